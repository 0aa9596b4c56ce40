import Foundation
import Logging
import StewardModel

/// The Recovery agent's operations over the controller's own parts: server_sync and the provisioner for
/// servers, the reconciler's deploy path (forced) for projects, the health checker, the forge for repos.
/// Re-creating a repository's contents is injected (git work lives in StewardGit and the agents).
public struct ControllerRecovery: RecoveryOperations {
    public var store: any StateStore & ForgeSyncStore & HealthStore & IncidentStatusStore
    public var settings: Settings
    public var servers: ServerLifecycle
    public var reconciler: Reconciler
    public var healthChecker: HealthChecker?
    /// The configured forge; nil when none is.
    public var forge: (any Forge)?
    /// Creates the project's repository and fills it (last deployed commit from Steward's copy, else a scaffold).
    public var recreate: @Sendable (ProjectRecord) async throws -> RecoveryStepResult
    /// Health checks after a redeploy: attempts and the pause between them.
    public var healthAttempts: Int
    public var healthPause: Duration
    public var now: @Sendable () -> Date
    public var logger: Logger
    /// The options every reconcile pass of a recovery starts from (beside a running controller: not alone, taking
    /// the keys it acts on).
    public var passOptions = ReconcileOptions()

    public init(
        store: any StateStore & ForgeSyncStore & HealthStore & IncidentStatusStore, settings: Settings,
        servers: ServerLifecycle, reconciler: Reconciler, healthChecker: HealthChecker?, forge: (any Forge)?,
        recreate: @escaping @Sendable (ProjectRecord) async throws -> RecoveryStepResult, healthAttempts: Int = 3,
        healthPause: Duration = .seconds(2), now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.settings = settings
        self.servers = servers
        self.reconciler = reconciler
        self.healthChecker = healthChecker
        self.forge = forge
        self.recreate = recreate
        self.healthAttempts = max(1, healthAttempts)
        self.healthPause = healthPause
        self.now = now
        self.logger = logger
    }

    public func mark(incident: IncidentRecord, _ status: IncidentRecord.Status, _ message: String) async throws {
        guard let id = incident.id else { return }
        let reason = switch status {
        case .recovering: "RecoveryStarted"
        case .resolved: "IncidentResolved"
        case .failed: "RecoveryFailed"
        case .detected: "RecoveryRefused"
        }
        let event = EventRecord(
            time: now(), objectKind: incident.objectKind, objectName: incident.objectName,
            type: status == .failed || status == .detected ? .warning : .normal, reason: reason,
            message: "\(incident.kind.rawValue) #\(id) -> \(status.rawValue): \(message)")
        _ = try await store.setIncident(id: id, status: status, message: message, at: now(), events: [event])
        logger.info("incident \(status.rawValue)", metadata: [
            "incident": "\(id)", "kind": "\(incident.kind.rawValue)", "object": "\(incident.objectKind)/\(incident.objectName)",
            "action": "recovery",
        ])
    }

    public func checkServer(_ name: String) async throws -> RecoveryStepResult {
        guard let spec = try await store.server(named: name)?.spec else { return .failed("server \(name) has no manifest") }
        if spec.connection == .local { return .done("local server: always reachable") }
        let report = try await servers.sync(server: name, settings: settings)
        if report.hostKeyChanged.contains(name) {
            return .failed("server \(name) presents a host key other than the trusted one; pin the new key with spec.hostKey")
        }
        guard report.reachable.contains(name), let record = try await store.server(named: name) else {
            let why = try await store.server(named: name)?.conditions[Condition.ready]?.message ?? "no answer"
            return .failed("server \(name) is still unreachable (\(why))")
        }
        return .done("reachable with the trusted key (\(record.status.rawValue))")
    }

    public func provision(_ server: String, step: ProvisionStep) async throws -> RecoveryStepResult {
        let started = ContinuousClock.now
        if let why = try await servers.provisioner(settings: settings).recover(server: server, step: step.rawValue) {
            return .failed(why)
        }
        return .done("\(step.playbook) succeeded in \(ms(ContinuousClock.now - started)) ms")
    }

    public func projects(on server: String) async throws -> [String] {
        try await store.projects().filter { $0.server == server && $0.lastDeployCommit != nil && !$0.orphaned }
            .map(\.name).sorted()
    }

    public func redeploy(_ project: String) async throws -> RecoveryStepResult {
        let report: ReconcileReport
        do {
            var options = passOptions
            options.project = project
            options.forceDeploy = true
            report = try await reconciler.reconcile(options)
        } catch {
            return .failed("the reconcile pass for \(project) failed: \(error)")
        }
        if !report.failures.isEmpty { return .failed(report.failures.joined(separator: "; ")) }
        guard let record = try await store.project(named: project), record.phase == .active else {
            return .failed(report.pending.first ?? "project \(project) is not active after the redeploy")
        }
        let deployed = report.actions.contains { if case .deploy(let plan) = $0 { plan.project == project } else { false } }
        guard deployed else {
            return .failed("the planner did not deploy \(project): "
                + (report.actions.map(\.summary).joined(separator: "; ").nilIfEmpty ?? "nothing planned"))
        }
        return .done("redeployed \(record.lastDeployCommit.map { String($0.prefix(12)) } ?? "-") to "
            + "\(record.server ?? "-"):\(record.port.map(String.init) ?? "-") (\(report.playbookRuns) ansible-playbook runs)")
    }

    public func checkHealth(_ project: String) async throws -> RecoveryStepResult {
        guard let checker = healthChecker else { return .failed("no health checker is configured") }
        var last = "not checked"
        for attempt in 1...healthAttempts {
            if attempt > 1 { try await Task.sleep(for: healthPause) }
            let started = now()
            _ = try await checker.run()
            guard let record = try await store.project(named: project), record.phase == .active else {
                return .failed("project \(project) is not active")
            }
            guard let row = try await store.healthCheck(project: project), row.lastCheckedAt >= started.addingTimeInterval(-1) else {
                last = "project \(project) was not checked"
                continue
            }
            if row.lastStatus == .healthy { return .done("\(row.url) answers \(row.lastCode.map(String.init) ?? "2xx")") }
            last = "\(row.url): \(row.lastError ?? "unhealthy")"
        }
        return .failed(last)
    }

    public func findRepo(_ project: String) async throws -> ForgeRepository? {
        guard let record = try await store.project(named: project), let forge else { return nil }
        if let id = record.githubRepoID, case .found(let repo) = try await forge.repository(id: id) { return repo }
        let name = record.spec?.repo ?? record.repo ?? ""
        let parts = name.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return nil }
        let pages = try await forge.listRepositories(owner: parts[0], cached: [])
        return pages.flatMap(\.repositories).first { $0.name.lowercased() == parts[1].lowercased() }
    }

    public func recreateRepo(_ project: String) async throws -> RecoveryStepResult {
        guard let record = try await store.project(named: project) else { return .failed("no project named \(project)") }
        guard forge != nil else { return .failed("no forge is configured to create \(record.spec?.repo ?? project) in") }
        do {
            return try await recreate(record)
        } catch {
            return .failed("re-creating the repo failed: \(error)")
        }
    }

    public func relink(_ project: String, to repo: ForgeRepository) async throws -> RecoveryStepResult {
        guard var record = try await store.project(named: project) else { return .failed("no project named \(project)") }
        var events: [EventRecord] = []
        func event(_ reason: String, _ message: String) -> EventRecord {
            EventRecord(time: now(), objectKind: "Project", objectName: project, type: .normal, reason: reason, message: message)
        }
        if record.githubRepoID != repo.id {
            events.append(event("RepoRelinked", "repo \(repo.fullName) has id \(repo.id)"
                + (record.githubRepoID.map { " (was \($0))" } ?? "")))
            record.githubRepoID = repo.id
        }
        if let old = record.repo, old != repo.fullName {
            events.append(event("RepoRenamed", "repo \(old) is now \(repo.fullName) (id \(repo.id))"))
        }
        record.repo = repo.fullName
        if record.phase == .missing {
            let back = record.resumePhase ?? .initialized
            events.append(event("PhaseChanged", "missing -> \(back.rawValue): repo \(repo.fullName) is back (recovery)"))
            record.phase = try ProjectPhase.missing.transition(to: back, resumePhase: record.resumePhase)
            record.resumePhase = nil
        }
        record.failCount = 0
        record.updatedAt = now()
        try await store.save(project: record, events: events)
        // The pass re-resolves the repo: the same commit changes nothing, another one deploys.
        let report: ReconcileReport
        do {
            var options = passOptions
            options.project = project
            report = try await reconciler.reconcile(options)
        } catch {
            return .failed("the reconcile pass for \(project) failed: \(error)")
        }
        if !report.failures.isEmpty { return .failed(report.failures.joined(separator: "; ")) }
        let phase = try await store.project(named: project)?.phase
        guard phase != .missing else { return .failed("project \(project) is still missing its repo") }
        return .done("linked to \(repo.fullName) (id \(repo.id)); project \(phase?.rawValue ?? "-")")
    }
}
