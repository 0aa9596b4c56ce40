import Foundation
import StewardCore
import StewardModel

/// A `StateStore` in memory, for unit tests of the planner and reconciler.
public actor InMemoryStateStore: StateStore {
    public private(set) var projectRecords: [String: ProjectRecord] = [:]
    public private(set) var serverRecords: [String: ServerRecord] = [:]
    public private(set) var eventLog: [EventRecord] = []
    /// `steward suspend`, by `KIND/NAME`.
    public private(set) var suspensionRows: [String: Suspension] = [:]
    public private(set) var driftRows: [String: DriftRecord] = [:]
    public private(set) var pinRows: [String: Pin] = [:]
    public private(set) var runRecords: [RunRecord] = []
    public private(set) var reconciles: [ReconcileRecord] = []
    public private(set) var cache: [String: Data] = [:]
    private var allocations: [String: [Int: String]] = [:]
    private var pages: [String: [ForgePage]] = [:]
    private var syncStates: [String: ForgeSyncState] = [:]
    public internal(set) var incidentLog: [IncidentRecord] = []
    private var secretRecords: [String: SecretRecord] = [:]
    private var keyFingerprint: String?
    public private(set) var healthRows: [String: HealthCheckRecord] = [:]
    public private(set) var healthCheckerRunAt: Date?
    private var serverSyncAttempt: Date?
    /// The journal (`InMemoryStateStore+Journal`) and the last id it gave.
    var journalLines: [JournalEntry] = []
    var lastJournalID: Int64 = 0

    public init() {}

    public func projects(withDetails: Bool) -> [ProjectRecord] {
        projectRecords.values.sorted { $0.name < $1.name }.map { record in
            var record = record
            if !withDetails {
                record.spec = nil
                record.conditions = []
            }
            return record
        }
    }
    public func project(named name: String) -> ProjectRecord? { projectRecords[name] }
    public func save(project: ProjectRecord, events: [EventRecord]) {
        var project = project
        // As the SQLite store: the agents' statuses are written only by setAgentStatus.
        project.engineeringStatus = projectRecords[project.name]?.engineeringStatus ?? .idle
        project.zavhozStatus = projectRecords[project.name]?.zavhozStatus ?? .idle
        project.conditions.applySuspension(
            suspensionRows["Project/\(project.name)"], inManifest: project.spec?.suspend ?? false, at: project.updatedAt)
        project.conditions.applyDrift(driftRows[project.name], project: project.name, lastDeployedAt: project.lastDeployedAt)
        project.conditions.applyPin(pinRows[project.name], specHash: project.specHash)
        projectRecords[project.name] = project
        append(events: events)
    }
    public func setAgentStatus(project: String, engineering: EngineeringStatus?, zavhoz: ZavhozStatus?) {
        if let engineering { projectRecords[project]?.engineeringStatus = engineering }
        if let zavhoz { projectRecords[project]?.zavhozStatus = zavhoz }
    }
    public func deleteProject(named name: String, events: [EventRecord]) {
        projectRecords[name] = nil
        suspensionRows["Project/\(name)"] = nil
        driftRows[name] = nil
        pinRows[name] = nil
        releasePorts(project: name)
        append(events: events)
    }

    public func servers() -> [ServerRecord] { serverRecords.values.sorted { $0.name < $1.name } }
    public func server(named name: String) -> ServerRecord? { serverRecords[name] }
    public func save(server: ServerRecord, events: [EventRecord]) {
        var server = server
        server.conditions.applySuspension(suspensionRows["Server/\(server.name)"], inManifest: false, at: server.updatedAt)
        serverRecords[server.name] = server
        append(events: events)
    }
    public func deleteServer(named name: String, events: [EventRecord]) {
        serverRecords[name] = nil
        suspensionRows["Server/\(name)"] = nil
        append(events: events)
    }

    public func suspensions() -> [Suspension] { suspensionRows.keys.sorted().map { suspensionRows[$0]! } }

    @discardableResult
    public func setSuspension(objectKind: String, objectName: String, reason: String?, at time: Date, events: [EventRecord]) throws -> Bool {
        let key = "\(objectKind)/\(objectName)"
        let existing = suspensionRows[key]
        guard objectKind == "Project" ? projectRecords[objectName] != nil : serverRecords[objectName] != nil else {
            throw InMemoryStoreError("no \(objectKind.lowercased()) named \(objectName) in the state")
        }
        if existing?.reason == reason || (existing == nil && reason == nil) { return false }
        let suspension = reason.map { Suspension(objectKind: objectKind, objectName: objectName, reason: $0, since: existing?.since ?? time) }
        suspensionRows[key] = suspension
        if objectKind == "Project" {
            let manifest = projectRecords[objectName]?.spec?.suspend ?? false
            projectRecords[objectName]?.conditions.applySuspension(suspension, inManifest: manifest, at: time)
        } else {
            serverRecords[objectName]?.conditions.applySuspension(suspension, inManifest: false, at: time)
        }
        append(events: events)
        return true
    }

    public func pins() -> [Pin] { pinRows.keys.sorted().map { pinRows[$0]! } }
    public func pin(project: String) -> Pin? { pinRows[project] }
    public func setPin(project: String, _ pin: Pin?, events: [EventRecord]) throws {
        guard let record = projectRecords[project] else { throw InMemoryStoreError("no project named \(project) in the state") }
        pinRows[project] = pin
        projectRecords[project]?.conditions.applyPin(pin, specHash: record.specHash)
        append(events: events)
    }

    public func drifts() -> [DriftRecord] { driftRows.keys.sorted().map { driftRows[$0]! } }
    public func drift(project: String) -> DriftRecord? { driftRows[project] }
    public func record(drift: DriftRecord, events: [EventRecord]) {
        guard let record = projectRecords[drift.project] else { return }
        var drift = drift
        let previous = driftRows[drift.project]
        drift.since = drift.status == .drifted ? (previous?.status == .drifted ? previous?.since ?? previous?.checkedAt : drift.checkedAt) : nil
        driftRows[drift.project] = drift
        projectRecords[drift.project]?.conditions.applyDrift(drift, project: drift.project, lastDeployedAt: record.lastDeployedAt)
        append(events: events)
    }

    public func append(events: [EventRecord]) {
        for var event in events {
            event.id = Int64(eventLog.count + 1)
            eventLog.append(event)
        }
    }
    public func events(objectKind: String?, objectName: String?, limit: Int) -> [EventRecord] {
        Array(eventLog.filter {
            (objectKind == nil || $0.objectKind == objectKind) && (objectName == nil || $0.objectName == objectName)
        }.suffix(limit))
    }

    public func events(after: Int64?, objectKind: String?, objectName: String?, since: Date?, limit: Int) -> [EventRecord] {
        Array(eventLog.filter { event in
            event.id! > (after ?? 0) && (objectKind == nil || event.objectKind == objectKind)
                && (objectName == nil || event.objectName == objectName) && (since.map { event.time >= $0 } ?? true)
        }.prefix(max(0, limit)))
    }

    public func beginRun(_ run: RunRecord) -> Int64 {
        var run = run
        run.id = Int64(runRecords.count + 1)
        runRecords.append(run)
        return run.id!
    }
    public func appendTask(runID: Int64, _ task: TaskEvent) { runRecords[Int(runID) - 1].tasks.append(task) }
    public func finishRun(_ run: RunRecord) {
        let tasks = runRecords[Int(run.id!) - 1].tasks
        runRecords[Int(run.id!) - 1] = run
        runRecords[Int(run.id!) - 1].tasks = tasks
    }
    public func runs(project: String, limit: Int) -> [RunRecord] {
        Array(runRecords.filter { $0.project == project }.reversed().prefix(limit))
    }
    public func recoverInterruptedRuns(at time: Date, matching filter: InterruptedRunFilter) -> [RunRecord] {
        var recovered: [RunRecord] = []
        for index in runRecords.indices where runRecords[index].status == .running && filter.matches(runRecords[index]) {
            runRecords[index].status = .interrupted
            runRecords[index].finishedAt = time
            recovered.append(runRecords[index])
        }
        return recovered
    }

    public func beginReconcile(_ reconcile: ReconcileRecord) -> Int64 {
        var reconcile = reconcile
        reconcile.id = Int64(reconciles.count + 1)
        reconciles.append(reconcile)
        return reconcile.id!
    }
    public func finishReconcile(_ reconcile: ReconcileRecord) { reconciles[Int(reconcile.id!) - 1] = reconcile }
    public func lastReconcile() -> ReconcileRecord? { reconciles.last }
    /// One process holds this store: no other writes it.
    public func externalWrites() -> Int64? { 0 }

    public func cachedManifests(blobIDs: [String]) -> [String: Data] {
        var found: [String: Data] = [:]
        for id in blobIDs { found[id] = cache[id] }
        return found
    }
    public func cacheManifests(_ payloads: [String: Data]) { cache.merge(payloads) { _, new in new } }

    public func allocatePorts(project: String, server: String, range: ClosedRange<Int>, count: Int, preferred: [Int]) throws -> [Int] {
        var taken = allocations[server] ?? [:]
        let held = taken.filter { $0.value == project }.keys.sorted()
        var ports = preferred.filter(held.contains)
        ports += held.filter { !ports.contains($0) }
        if ports.count >= count {
            for port in ports[count...] { taken[port] = nil }
            allocations[server] = taken
            return Array(ports[..<count])
        }
        var candidates = preferred.filter { range.contains($0) && taken[$0] == nil }
        while ports.count < count {
            let port = candidates.isEmpty ? range.first(where: { taken[$0] == nil }) : candidates.removeFirst()
            guard let port else { throw ConfigSourceError("no free port in \(range) on \(server)") }
            taken[port] = project
            ports.append(port)
        }
        allocations[server] = taken
        return ports
    }
    public func portAllocations() -> [String: PortAllocation] {
        var result: [String: PortAllocation] = [:]
        for server in allocations.keys.sorted() {
            for (port, project) in allocations[server]!.sorted(by: { $0.key < $1.key }) where result[project]?.server ?? server == server {
                result[project, default: PortAllocation(server: server, ports: [])].ports.append(port)
            }
        }
        return result
    }
    public func releasePorts(project: String) {
        for server in allocations.keys { allocations[server] = allocations[server]?.filter { $0.value != project } }
    }
}

/// A `RepoResolver` answering from a dictionary (`owner/name` -> commit); unknown repos are missing.
public struct FakeResolver: RepoResolver {
    public var commits: [String: String]
    public var failure: String?
    /// Clone URLs are this + `owner/name.git` (`https://github.example/` for a remote forge).
    public var cloneURLBase: String

    public init(commits: [String: String], failure: String? = nil, cloneURLBase: String = "file:///forge/") {
        self.commits = commits
        self.failure = failure
        self.cloneURLBase = cloneURLBase
    }

    public func resolve(repo: String, ref: String) async throws -> ResolvedRepo? {
        if let failure { throw ConfigSourceError(failure) }
        return commits[repo].map { ResolvedRepo(cloneURL: "\(cloneURLBase)\(repo).git", commit: $0) }
    }
}

/// A `SourceBundler` that records what it was asked and answers a path, or throws while `failure` is set.
public final class FakeBundler: SourceBundler, @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (requests: [ResolvedRepo], failure: String?, files: [String: [String: Data]]) = ([], nil, [:])

    public init() {}

    /// Files `contents(of:in:)` answers, by commit and path.
    public func setFile(_ path: String, _ text: String, commit: String) {
        lock.withLock { stored.files[commit, default: [:]][path] = Data(text.utf8) }
    }

    public func contents(of path: String, in repo: ResolvedRepo) async throws -> Data? {
        let (failure, file) = lock.withLock { (stored.failure, stored.files[repo.commit]?[path]) }
        if let failure { throw ConfigSourceError(failure) }
        return file
    }

    /// The repos asked for, oldest first.
    public var requests: [ResolvedRepo] { lock.withLock { stored.requests } }

    /// While set, `bundle` throws it.
    public func fail(with message: String?) { lock.withLock { stored.failure = message } }

    public func bundle(_ repo: ResolvedRepo) async throws -> URL? {
        let failure: String? = lock.withLock {
            stored.requests.append(repo)
            return stored.failure
        }
        if let failure { throw ConfigSourceError(failure) }
        return URL(fileURLWithPath: "/bundles/\(repo.commit).bundle")
    }
}

/// A `PlaybookRunner` that records requests and returns a scripted status, per host when asked.
public actor FakePlaybookRunner: PlaybookRunner {
    public private(set) var requests: [PlaybookRequest] = []
    public var status: RunRecord.Status
    /// Statuses of particular inventory hosts (a batch's project aliases); the others get `status`.
    public var hostStatuses: [String: RunRecord.Status] = [:]
    /// How long each run takes (on the real clock), so tests can see runs overlap.
    public var delay: Duration = .zero
    /// The most runs that were in flight at once.
    public private(set) var maxConcurrentRuns = 0
    private var running = 0

    public init(status: RunRecord.Status = .succeeded) {
        self.status = status
    }

    public func setStatus(_ status: RunRecord.Status) { self.status = status }
    public func setStatus(_ status: RunRecord.Status, host: String) { hostStatuses[host] = status }
    public func setDelay(_ delay: Duration) { self.delay = delay }

    /// One `deploy` task per host (changed, or failed with "boom"), a recap per host, and the run's status as
    /// Ansible would end it: succeeded when every host did, else failed (unreachable when no host failed).
    public func run(_ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void) async throws -> PlaybookResult {
        requests.append(request)
        running += 1
        maxConcurrentRuns = max(maxConcurrentRuns, running)
        if delay > .zero { try? await Task.sleep(for: delay) }
        running -= 1
        // Cancelled, as the real runner is: the run ends interrupted.
        if Task.isCancelled { return PlaybookResult(status: .interrupted, exitCode: nil, tasks: []) }
        var tasks: [TaskEvent] = []
        var hosts: [String: PlaybookHostResult] = [:]
        for host in request.hosts.map(\.name) {
            let status = hostStatuses[host] ?? self.status
            let ok = status == .succeeded
            let task = TaskEvent(
                host: host, task: "deploy", status: ok ? .changed : status == .unreachable ? .unreachable : .failed,
                durationMs: 1, message: ok ? nil : "boom")
            onTask(task)
            tasks.append(task)
            hosts[host] = PlaybookHostResult(status: ok ? .succeeded : status, failedTask: ok ? nil : "deploy")
        }
        let failed = tasks.first { $0.status != .changed }
        if status == .timedOut || status == .interrupted {
            // Stopped: no recap, the same status for every host.
            return PlaybookResult(status: status, exitCode: nil, tasks: tasks)
        }
        let overall: RunRecord.Status = failed == nil ? .succeeded
            : hosts.values.contains { $0.status != .succeeded && $0.status != .unreachable } ? .failed : .unreachable
        return PlaybookResult(
            status: overall, exitCode: overall == .succeeded ? 0 : overall == .unreachable ? 4 : 2, tasks: tasks,
            failedTask: failed == nil ? nil : "deploy", failedHost: failed?.host, hosts: hosts)
    }
}

extension InMemoryStateStore: ServerSyncStore {
    public func lastServerSyncAttempt() -> Date? { serverSyncAttempt }
    public func saveServerSyncAttempt(_ time: Date) { serverSyncAttempt = time }
    public func runs(server: String, limit: Int) -> [RunRecord] {
        Array(runRecords.filter { $0.server == server && $0.project == nil }.reversed().prefix(limit))
    }
}

extension InMemoryStateStore: ForgeSyncStore {
    public func forgePages(owner: String) -> [ForgePage] { pages[owner] ?? [] }
    public func saveForgePages(owner: String, _ pages: [ForgePage]) { self.pages[owner] = pages }
    public func forgeSyncState(owner: String) -> ForgeSyncState? { syncStates[owner] }
    public func save(forgeSyncState: ForgeSyncState, events: [EventRecord]) {
        syncStates[forgeSyncState.owner] = forgeSyncState
        append(events: events)
    }

    public func openIncident(_ incident: IncidentRecord, events: [EventRecord]) -> IncidentRecord {
        if let open = incidentLog.first(where: {
            $0.status.isOpen && $0.kind == incident.kind && $0.objectKind == incident.objectKind && $0.objectName == incident.objectName
        }) {
            return open
        }
        var stored = incident
        stored.id = Int64(incidentLog.count + 1)
        incidentLog.append(stored)
        append(events: events)
        return stored
    }

    public func updateOpenIncident(
        kind: IncidentRecord.Kind, objectKind: String, objectName: String, status: IncidentRecord.Status,
        message: String, at time: Date, events: [EventRecord]
    ) -> IncidentRecord? {
        guard let index = incidentLog.firstIndex(where: {
            $0.status.isOpen && $0.kind == kind && $0.objectKind == objectKind && $0.objectName == objectName
        }) else { return nil }
        incidentLog[index].status = status
        incidentLog[index].message = message
        incidentLog[index].updatedAt = time
        if !status.isOpen { incidentLog[index].resolvedAt = time }
        append(events: events)
        return incidentLog[index]
    }

    public func incidents(openOnly: Bool) -> [IncidentRecord] {
        incidentLog.filter { !openOnly || $0.status.isOpen }.reversed()
    }
}

/// A `Forge` in memory with scriptable failures, for unit tests of the forge sync.
public actor FakeForge: Forge {
    public var repositories: [ForgeRepository] = []
    /// Thrown by the next listings, one per call, while non-empty.
    public var listingFailures: [String] = []
    /// Thrown by lookups of these ids (transient), until cleared.
    public var lookupFailures: [Int64: String] = [:]
    public private(set) var listings = 0
    public private(set) var lookups: [Int64] = []
    public let pageSize: Int

    public init(pageSize: Int = 100) {
        self.pageSize = pageSize
    }

    public func set(_ repositories: [ForgeRepository]) { self.repositories = repositories }
    public func failListings(_ messages: [String]) { listingFailures = messages }
    public func failLookup(_ id: Int64, _ message: String?) { lookupFailures[id] = message }

    public func listRepositories(owner: String, cached: [ForgePage]) throws -> [ForgePage] {
        listings += 1
        if !listingFailures.isEmpty { throw ConfigSourceError(listingFailures.removeFirst()) }
        let owned = repositories.filter { $0.owner == owner }.sorted { $0.name < $1.name }
        var pages: [ForgePage] = []
        var start = 0
        repeat {
            let slice = Array(owned[start..<min(start + pageSize, owned.count)])
            let number = pages.count + 1
            let etag = "\"\(CanonicalJSON.hash(slice).prefix(16))\""
            let hasNext = start + pageSize < owned.count
            let old = cached.first { $0.number == number }
            pages.append(ForgePage(
                number: number, etag: etag, hasNext: hasNext, repositories: slice, notModified: old?.etag == etag))
            start += pageSize
        } while start < owned.count
        return pages
    }

    public func repository(id: Int64) throws -> ForgeLookup {
        lookups.append(id)
        if let failure = lookupFailures[id] { throw ConfigSourceError(failure) }
        return repositories.first { $0.id == id }.map { .found($0) } ?? .notFound
    }

    public func createRepository(owner: String, name: String, isPrivate: Bool, description: String?) -> ForgeRepository {
        if let existing = repositories.first(where: { $0.owner == owner && $0.name == name }) { return existing }
        let repo = ForgeRepository(
            id: (repositories.map(\.id).max() ?? 1000) + 1, owner: owner, name: name, isPrivate: isPrivate,
            cloneURL: "file:///forge/\(owner)/\(name).git", description: description)
        repositories.append(repo)
        return repo
    }
}

extension InMemoryStateStore: SecretStore {
    public func setSecret(project: String, name: String, sealed: Data, at time: Date) -> Int {
        let version = (secretRecords["\(project)/\(name)"]?.version ?? 0) + 1
        secretRecords["\(project)/\(name)"] = SecretRecord(project: project, name: name, version: version, sealed: sealed, updatedAt: time)
        return version
    }
    public func secret(project: String, name: String) -> SecretRecord? { secretRecords["\(project)/\(name)"] }
    public func secrets(project: String?) -> [SecretRecord] {
        secretRecords.values.filter { project == nil || $0.project == project }.sorted { ($0.project, $0.name) < ($1.project, $1.name) }
    }
    public func deleteSecret(project: String, name: String) -> Bool {
        secretRecords.removeValue(forKey: "\(project)/\(name)") != nil
    }
    public func secretKeyFingerprint() -> String? { keyFingerprint }
    public func recordSecretKeyFingerprint(_ fingerprint: String, at time: Date) -> String {
        if keyFingerprint == nil { keyFingerprint = fingerprint }
        return keyFingerprint!
    }
}

/// A `SecretCipher` for unit tests: reversible, context-bound, not encryption.
public struct FakeSecretCipher: SecretCipher {
    public var keyFingerprint: String
    public init(keyFingerprint: String = "fake-key") { self.keyFingerprint = keyFingerprint }
    public func seal(_ plaintext: Data, context: String) throws -> Data { Data(context.utf8) + Data([0]) + Data(plaintext.reversed()) }
    public func open(_ sealed: Data, context: String) throws -> Data {
        let prefix = Data(context.utf8) + Data([0])
        guard sealed.starts(with: prefix) else { throw ConfigSourceError("sealed for another secret") }
        return Data(sealed.dropFirst(prefix.count).reversed())
    }
}

extension InMemoryStateStore: HealthStore {
    public func healthChecks() -> [HealthCheckRecord] { healthRows.values.sorted { $0.project < $1.project } }
    public func healthCheck(project: String) -> HealthCheckRecord? { healthRows[project] }
    public func save(healthCheck: HealthCheckRecord, events: [EventRecord]) {
        healthRows[healthCheck.project] = healthCheck
        append(events: events)
    }
    public func deleteHealthCheck(project: String) { healthRows[project] = nil }
    public func healthCheckerLastRun() -> Date? { healthCheckerRunAt }
    public func setHealthCheckerLastRun(_ time: Date) { healthCheckerRunAt = time }
}

/// A refusal of the in-memory store (as the SQLite store's `StoreError`).
public struct InMemoryStoreError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
