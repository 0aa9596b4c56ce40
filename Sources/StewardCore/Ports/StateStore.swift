import Foundation
import StewardModel

/// Steward's persistent state: observations, journal and caches (docs/ARCHITECTURE.md §7).
///
/// Every method that writes more than one row does it in one transaction.
public protocol StateStore: JournalStore {
    // MARK: Projects and servers

    /// Every project by name. Without details (`spec == nil`, `conditions == []`) when `withDetails` is false:
    /// the planner compares hashes and phases only, and decoding 10,000 specs and condition lists would
    /// dominate a no-change plan.
    func projects(withDetails: Bool) async throws -> [ProjectRecord]
    func project(named name: String) async throws -> ProjectRecord?
    /// Inserts or replaces the project and appends the events, in one transaction.
    func save(project: ProjectRecord, events: [EventRecord]) async throws
    /// Deletes the project, its port allocations, and appends the events, in one transaction.
    func deleteProject(named name: String, events: [EventRecord]) async throws
    /// Records the agent graph's engineering and zavhoz status on the project (nil keeps that one). Only this
    /// writes them: `save(project:)` keeps the stored statuses, so the graph and other writers never undo each other.
    func setAgentStatus(project: String, engineering: EngineeringStatus?, zavhoz: ZavhozStatus?) async throws

    func servers() async throws -> [ServerRecord]
    func server(named name: String) async throws -> ServerRecord?
    func save(server: ServerRecord, events: [EventRecord]) async throws
    func deleteServer(named name: String, events: [EventRecord]) async throws

    // MARK: Suspensions (`steward suspend`)

    /// Every object suspended by `steward suspend`.
    func suspensions() async throws -> [Suspension]
    /// Suspends (`reason` given) or resumes (nil) a project or server, sets its `Suspended` condition and appends the
    /// events, in one transaction. Saving a record keeps the condition in line with this table and the record's spec.
    /// - Returns: false when nothing changed (already suspended with that reason, or not suspended).
    /// - Throws: when no such object is in the store.
    @discardableResult
    func setSuspension(objectKind: String, objectName: String, reason: String?, at time: Date, events: [EventRecord]) async throws -> Bool

    // MARK: Drift checks (`steward drift`)

    /// The last drift check of every project checked.
    func drifts() async throws -> [DriftRecord]
    func drift(project: String) async throws -> DriftRecord?
    /// Records a project's drift check (replacing the last one; `since` carried over while it stays drifted), sets the
    /// project's `Drifted` condition and appends the events, in one transaction. Saving a record keeps the condition in
    /// line with this check and the record's last deploy. A project that is not in the store is ignored.
    func record(drift: DriftRecord, events: [EventRecord]) async throws

    // MARK: Pins (`steward rollback --no-commit`)

    func pins() async throws -> [Pin]
    func pin(project: String) async throws -> Pin?
    /// Pins (or with nil unpins) a project, sets its `Pinned` condition and appends the events, in one transaction.
    /// - Throws: when no such project is in the store.
    func setPin(project: String, _ pin: Pin?, events: [EventRecord]) async throws

    // MARK: Events

    func append(events: [EventRecord]) async throws
    /// Events of one object (or all when `name` is nil), oldest first, at most `limit` of the newest.
    func events(objectKind: String?, objectName: String?, limit: Int) async throws -> [EventRecord]
    /// Events with an id above `after` (all when nil), of one object kind and name (nil matches all), at `since` or
    /// later, in the order they were appended, at most `limit` (`steward events --watch` reads on from the last id).
    func events(after: Int64?, objectKind: String?, objectName: String?, since: Date?, limit: Int) async throws -> [EventRecord]

    // MARK: Ansible runs

    /// Records a run before its process starts. - Returns: the run id.
    func beginRun(_ run: RunRecord) async throws -> Int64
    /// Appends one task event to a running run.
    func appendTask(runID: Int64, _ task: TaskEvent) async throws
    /// Records the end of a run (status, exit code, failed task and host, finish time).
    func finishRun(_ run: RunRecord) async throws
    /// Runs of a project, newest first, with their task events.
    func runs(project: String, limit: Int) async throws -> [RunRecord]
    /// Marks the runs still `running` (left by a crash) that `filter` matches as `interrupted` and returns them.
    func recoverInterruptedRuns(at time: Date, matching filter: InterruptedRunFilter) async throws -> [RunRecord]

    // MARK: Reconciles

    /// A number that changes whenever another process (another connection) committed a write, so a long-running
    /// controller can tell that its in-memory view may be stale; nil when the store cannot tell.
    func externalWrites() async throws -> Int64?

    func beginReconcile(_ reconcile: ReconcileRecord) async throws -> Int64
    func finishReconcile(_ reconcile: ReconcileRecord) async throws
    func lastReconcile() async throws -> ReconcileRecord?

    // MARK: Parsed-manifest cache (by git blob id)

    func cachedManifests(blobIDs: [String]) async throws -> [String: Data]
    func cacheManifests(_ payloads: [String: Data]) async throws

    // MARK: Port allocations

    /// `count` ports for the project on `server`: those it holds there (`preferred` ones first, in that order),
    /// then free ports of `range` (free `preferred` ones first, then the lowest). Held ports beyond `count` are
    /// freed. Unique per server, enforced by the database. - Throws: when the range has too few free ports.
    func allocatePorts(project: String, server: String, range: ClosedRange<Int>, count: Int, preferred: [Int]) async throws -> [Int]
    /// Every project's ports: the server and the ports held there, ascending.
    func portAllocations() async throws -> [String: PortAllocation]
    /// One project's ports (what `portAllocations()[project]` holds), read alone.
    func portAllocation(project: String) async throws -> PortAllocation?
    /// Frees every port the project holds.
    func releasePorts(project: String) async throws
}

extension StateStore {
    public func portAllocation(project: String) async throws -> PortAllocation? {
        try await portAllocations()[project]
    }

    /// Every project by name, with specs and conditions.
    public func projects() async throws -> [ProjectRecord] { try await projects(withDetails: true) }

    /// The project's existing port on `server`, else the lowest free port of `range` there.
    public func allocatePort(project: String, server: String, range: ClosedRange<Int>) async throws -> Int {
        try await allocatePorts(project: project, server: server, range: range, count: 1, preferred: [])[0]
    }
}

/// The ports a project holds: all on one server.
public struct PortAllocation: Sendable, Hashable {
    public var server: String
    public var ports: [Int]

    public init(server: String, ports: [Int]) {
        self.server = server
        self.ports = ports
    }
}

/// What the forge sync needs from the store: cached listing pages, its failure counter, incidents.
public protocol ForgeSyncStore: Sendable {
    /// The pages of `owner`'s last listing, by page number.
    func forgePages(owner: String) async throws -> [ForgePage]
    /// Replaces every cached page of `owner`.
    func saveForgePages(owner: String, _ pages: [ForgePage]) async throws
    func forgeSyncState(owner: String) async throws -> ForgeSyncState?
    /// Saves the state and appends the events, in one transaction.
    func save(forgeSyncState: ForgeSyncState, events: [EventRecord]) async throws

    /// Opens an incident unless one of the same kind is already open for the object (then returns that one),
    /// appending the events in the same transaction.
    func openIncident(_ incident: IncidentRecord, events: [EventRecord]) async throws -> IncidentRecord
    /// Moves the open incident of this kind and object to `status` (resolved or failed set `resolvedAt`).
    /// - Returns: the updated incident, or nil when none was open.
    func updateOpenIncident(
        kind: IncidentRecord.Kind, objectKind: String, objectName: String, status: IncidentRecord.Status,
        message: String, at time: Date, events: [EventRecord]
    ) async throws -> IncidentRecord?
    /// Incidents, newest first; only open ones when `openOnly`.
    func incidents(openOnly: Bool) async throws -> [IncidentRecord]
}

extension StateStore {
    /// Marks every run still `running` as `interrupted`: for a caller that knows no other process runs any.
    public func recoverInterruptedRuns(at time: Date) async throws -> [RunRecord] {
        try await recoverInterruptedRuns(at: time, matching: InterruptedRunFilter())
    }
}

/// Which runs still `running` a recovery may mark `interrupted`: those no live process is running. A run belongs to its
/// project's key, or, without a project (server sync, bootstrap, provisioning), to the servers' keys.
public struct InterruptedRunFilter: Sendable, Hashable {
    /// Runs of these projects are left alone: a live process holds their keys, so the runs are its own.
    public var excludingProjects: Set<String> = []
    /// Only this project's runs (a replica that took the project's key over from a dead one).
    public var onlyProject: String?
    /// Runs without a project are left alone: a live process holds a servers key.
    public var excludingServerRuns = false
    /// Only runs without a project (the replica holding `servers`, while no live process holds a `server/` key).
    public var onlyServerRuns = false

    public init(
        excludingProjects: Set<String> = [], onlyProject: String? = nil, excludingServerRuns: Bool = false,
        onlyServerRuns: Bool = false
    ) {
        self.excludingProjects = excludingProjects
        self.onlyProject = onlyProject
        self.excludingServerRuns = excludingServerRuns
        self.onlyServerRuns = onlyServerRuns
    }

    public func matches(_ run: RunRecord) -> Bool {
        guard let project = run.project else { return !excludingServerRuns && onlyProject == nil }
        return !onlyServerRuns && !excludingProjects.contains(project) && (onlyProject.map { $0 == project } ?? true)
    }
}
