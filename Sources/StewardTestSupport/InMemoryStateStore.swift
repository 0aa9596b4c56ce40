import Foundation
import StewardCore
import StewardModel

/// A `StateStore` in memory, for unit tests of the planner and reconciler.
public actor InMemoryStateStore: StateStore {
    public private(set) var projectRecords: [String: ProjectRecord] = [:]
    public private(set) var serverRecords: [String: ServerRecord] = [:]
    public private(set) var eventLog: [EventRecord] = []
    public private(set) var runRecords: [RunRecord] = []
    public private(set) var reconciles: [ReconcileRecord] = []
    public private(set) var cache: [String: Data] = [:]
    private var allocations: [String: [Int: String]] = [:]

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
        projectRecords[project.name] = project
        append(events: events)
    }
    public func deleteProject(named name: String, events: [EventRecord]) {
        projectRecords[name] = nil
        releasePorts(project: name)
        append(events: events)
    }

    public func servers() -> [ServerRecord] { serverRecords.values.sorted { $0.name < $1.name } }
    public func server(named name: String) -> ServerRecord? { serverRecords[name] }
    public func save(server: ServerRecord, events: [EventRecord]) {
        serverRecords[server.name] = server
        append(events: events)
    }
    public func deleteServer(named name: String, events: [EventRecord]) {
        serverRecords[name] = nil
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
    public func recoverInterruptedRuns(at time: Date) -> [RunRecord] {
        var recovered: [RunRecord] = []
        for index in runRecords.indices where runRecords[index].status == .running {
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

    public func cachedManifests(blobIDs: [String]) -> [String: Data] {
        var found: [String: Data] = [:]
        for id in blobIDs { found[id] = cache[id] }
        return found
    }
    public func cacheManifests(_ payloads: [String: Data]) { cache.merge(payloads) { _, new in new } }

    public func allocatePort(project: String, server: String, range: ClosedRange<Int>) throws -> Int {
        var ports = allocations[server] ?? [:]
        if let existing = ports.first(where: { $0.value == project })?.key { return existing }
        guard let free = range.first(where: { ports[$0] == nil }) else {
            throw ConfigSourceError("no free port in \(range) on \(server)")
        }
        ports[free] = project
        allocations[server] = ports
        return free
    }
    public func releasePorts(project: String) {
        for server in allocations.keys { allocations[server] = allocations[server]?.filter { $0.value != project } }
    }
}

/// A `RepoResolver` answering from a dictionary (`owner/name` -> commit); unknown repos are missing.
public struct FakeResolver: RepoResolver {
    public var commits: [String: String]
    public var failure: String?

    public init(commits: [String: String], failure: String? = nil) {
        self.commits = commits
        self.failure = failure
    }

    public func resolve(repo: String, ref: String) async throws -> ResolvedRepo? {
        if let failure { throw ConfigSourceError(failure) }
        return commits[repo].map { ResolvedRepo(cloneURL: "file:///forge/\(repo).git", commit: $0) }
    }
}

/// A `PlaybookRunner` that records requests and returns a scripted status.
public actor FakePlaybookRunner: PlaybookRunner {
    public private(set) var requests: [PlaybookRequest] = []
    public var status: RunRecord.Status

    public init(status: RunRecord.Status = .succeeded) {
        self.status = status
    }

    public func setStatus(_ status: RunRecord.Status) { self.status = status }

    public func run(_ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void) async throws -> PlaybookResult {
        requests.append(request)
        let task = TaskEvent(
            host: request.hosts.first?.name ?? "?", task: "deploy", status: status == .succeeded ? .changed : .failed,
            durationMs: 1, message: status == .succeeded ? nil : "boom")
        onTask(task)
        return PlaybookResult(
            status: status, exitCode: status == .succeeded ? 0 : 2, tasks: [task],
            failedTask: status == .succeeded ? nil : "deploy", failedHost: status == .succeeded ? nil : task.host)
    }
}
