import Foundation
import Logging
import StewardModel

/// What one health round saw and changed.
public struct HealthCheckReport: Sendable {
    /// Projects checked, in name order.
    public var checked: [String] = []
    public var healthy: [String] = []
    /// Failed, but fewer than N times in a row: counted, no incident yet.
    public var failing: [String] = []
    /// Reached N failures in this round: `service_down` opened.
    public var wentDown: [String] = []
    /// Still down (N or more failures, incident already open).
    public var stillDown: [String] = []
    /// Answered again after an incident: resolved.
    public var recovered: [String] = []
    /// Active projects that could not be checked, with why (no server record, no address).
    public var skipped: [String: String] = [:]
    /// Projects whose checks stopped (deleted, no longer active): health row removed, incident resolved.
    public var stopped: [String] = []
    /// Wall time of the round, checks and store writes included.
    public var duration: Duration = .zero

    public init() {}
}

/// The health_checker worker (seed 1.4): GETs the health URL of every active project, a bounded number at a
/// time, and keeps a persisted count of consecutive failures per project.
///
/// N failures in a row (`thresholds.serviceDownAfter`) open one critical `service_down` incident, append a
/// `ServiceDown` event and set the project's `Healthy` condition False; fewer only log a warning. The phase
/// stays `active`: the deploy is right, the service is down. The first success afterwards resolves the
/// incident (`ServiceRecovered`, `Healthy` True). Deployed projects in maintenance are checked like active ones
/// (`serves`). A project that is deleted or leaves `active` otherwise loses its
/// health row and any open `service_down` incident is resolved, saying why.
///
/// Each write comes before the one that depends on it (incident, then condition, then counter), and opening
/// and resolving are idempotent, so a crash between them is repaired by the next check.
public struct HealthChecker: Sendable {
    public var probe: any HealthProbe
    public var store: any StateStore & ForgeSyncStore & HealthStore
    /// Consecutive failures before the service is declared down (`thresholds.serviceDownAfter`).
    public var downAfter: Int
    /// Seconds between rounds (`intervals.healthCheck`), for `runIfDue`.
    public var interval: Int
    /// The limit of one check, connecting included.
    public var timeout: Duration
    /// Checks in flight at once.
    public var concurrency: Int
    public var now: @Sendable () -> Date
    public var logger: Logger

    /// Checks in flight at once unless told otherwise.
    public static let defaultConcurrency = 16

    public init(
        probe: any HealthProbe, store: any StateStore & ForgeSyncStore & HealthStore, downAfter: Int = 3,
        interval: Int = 60, timeout: Duration = .seconds(5), concurrency: Int = HealthChecker.defaultConcurrency,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.probe = probe
        self.store = store
        self.downAfter = max(1, downAfter)
        self.interval = max(0, interval)
        self.timeout = timeout
        self.concurrency = max(1, concurrency)
        self.now = now
        self.logger = logger
    }

    /// A checker configured from the settings of a revision.
    public init(
        probe: any HealthProbe, store: any StateStore & ForgeSyncStore & HealthStore, settings: Settings,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.init(
            probe: probe, store: store, downAfter: settings.thresholds.serviceDownAfter,
            interval: settings.intervals.healthCheck, now: now, logger: logger)
    }

    /// One round when `interval` has passed since the last one started (persisted), else nil.
    public func runIfDue() async throws -> HealthCheckReport? {
        if let last = try await store.healthCheckerLastRun(), now().timeIntervalSince(last) < Double(interval) {
            logger.debug("health check not due", metadata: [
                "last_run": "\(last)", "interval_s": "\(interval)", "action": "health_check",
            ])
            return nil
        }
        return try await run()
    }

    /// One round over every active project. - Throws: only store errors; failed checks are recorded.
    public func run() async throws -> HealthCheckReport {
        let started = ContinuousClock.now
        var report = HealthCheckReport()
        try await store.setHealthCheckerLastRun(now())
        let projects = try await store.projects()
        let servers = Dictionary(try await store.servers().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var targets: [Target] = []
        for project in projects where Self.serves(project) {
            switch Self.target(for: project, servers: servers) {
            case .success(let target): targets.append(target)
            case .failure(let reason):
                report.skipped[project.name] = reason.message
                logger.warning("health check skipped: \(reason.message)", metadata: [
                    "project": "\(project.name)", "action": "health_check",
                ])
            }
        }
        try await stopChecking(except: Set(projects.filter(Self.serves).map(\.name)),
            projects: projects, report: &report)

        let rows = Dictionary(try await store.healthChecks().map { ($0.project, $0) }, uniquingKeysWith: { first, _ in first })
        try await withThrowingTaskGroup(of: (Target, Result<HealthProbeAnswer, any Error>, Duration).self) { group in
            var pending = targets.makeIterator()
            func startNext() {
                guard let target = pending.next() else { return }
                group.addTask { [probe, timeout] in
                    let checkStarted = ContinuousClock.now
                    let result: Result<HealthProbeAnswer, any Error>
                    do {
                        result = .success(try await probe.get(target.url, timeout: timeout))
                    } catch {
                        result = .failure(error)
                    }
                    return (target, result, ContinuousClock.now - checkStarted)
                }
            }
            for _ in 0..<concurrency { startNext() }
            // Results are recorded one at a time, here, while the other checks are in flight.
            while let (target, result, elapsed) = try await group.next() {
                try await record(result, for: target, previous: rows[target.project], elapsed: elapsed, report: &report)
                startNext()
            }
        }
        report.checked = targets.map(\.project)
        report.duration = ContinuousClock.now - started
        logger.info("health check finished", metadata: [
            "checked": "\(report.checked.count)", "healthy": "\(report.healthy.count)",
            "failing": "\(report.failing.count)", "down": "\(report.wentDown.count + report.stillDown.count)",
            "recovered": "\(report.recovered.count)", "duration_ms": "\(ms(report.duration))", "action": "health_check",
        ])
        return report
    }

    // MARK: Targets

    /// One project to check.
    struct Target: Sendable {
        var project: String
        var url: URL
    }

    /// Whether a deployed version of the project is meant to answer: active projects, and deployed ones in
    /// maintenance (the old version keeps serving while the agents work on a change request).
    public static func serves(_ project: ProjectRecord) -> Bool {
        switch project.phase {
        case .active: true
        case .maintenance, .implementing, .implemented, .verifying, .verified: project.lastDeployCommit != nil
        default: false
        }
    }

    /// Why an active project cannot be checked.
    struct Unavailable: Error {
        var message: String
    }

    /// `http://ADDRESS:PORT/PATH` (an IPv6 address in brackets), nil when that is not a URL.
    public static func url(address: String, port: Int, healthPath: String) -> URL? {
        let path = healthPath.hasPrefix("/") ? healthPath : "/" + healthPath
        let host = address.contains(":") && !address.hasPrefix("[") ? "[\(address)]" : address
        return URL(string: "http://\(host):\(port)\(path)")
    }

    /// Whether the app answers `url` healthily right now: one GET, nothing recorded. What a pass asks before it
    /// calls a project active without running its playbook (a matching record or deploy marker is not enough).
    public func answersNow(_ url: URL) async -> Bool {
        guard let answer = try? await probe.get(url, timeout: timeout) else { return false }
        return answer.isHealthy
    }

    /// `http://ADDRESS:PORT/healthPath` of an active project, ADDRESS being its server's `spec.address`
    /// (127.0.0.1 for the quickstart's `connection: local` server) and PORT the project's allocated port
    /// (the reverse proxy's for blue/green).
    static func target(for project: ProjectRecord, servers: [String: ServerRecord]) -> Result<Target, Unavailable> {
        guard let serverName = project.server, let port = project.port else {
            return .failure(Unavailable(message: "no server and port recorded"))
        }
        guard let address = servers[serverName]?.spec?.address, !address.isEmpty else {
            return .failure(Unavailable(message: "server \(serverName) has no recorded address"))
        }
        let path = project.spec?.deploy.healthPath ?? ProjectSpec.Deploy().healthPath
        guard let url = url(address: address, port: port, healthPath: path) else {
            return .failure(Unavailable(message: "http://\(address):\(port)\(path) is not a valid URL"))
        }
        return .success(Target(project: project.name, url: url))
    }

    // MARK: Recording

    private func record(
        _ result: Result<HealthProbeAnswer, any Error>, for target: Target, previous: HealthCheckRecord?,
        elapsed: Duration, report: inout HealthCheckReport
    ) async throws {
        let time = now()
        let url = target.url.absoluteString
        var row = previous ?? HealthCheckRecord(project: target.project, url: url, lastStatus: .healthy, lastCheckedAt: time)
        row.url = url
        row.lastCheckedAt = time
        var metadata: Logger.Metadata = [
            "project": "\(target.project)", "url": "\(url)", "duration_ms": "\(ms(elapsed))", "action": "health_check",
        ]
        let failure: String
        switch result {
        case .success(let answer) where answer.isHealthy:
            try await recordHealthy(answer, &row, at: time, report: &report, metadata: metadata)
            return
        case .success(let answer):
            row.lastCode = answer.status
            failure = "HTTP \(answer.status)" + (answer.bodyExcerpt.isEmpty ? "" : ": \(answer.bodyExcerpt)")
        case .failure(let error):
            row.lastCode = nil
            failure = String("\(error)".prefix(300))
        }
        row.consecutiveFailures += 1
        row.lastStatus = .unhealthy
        row.lastError = failure
        metadata["fail_count"] = "\(row.consecutiveFailures)"
        metadata["error"] = "\(failure)"
        if row.consecutiveFailures < downAfter {
            logger.warning("health check failed (\(row.consecutiveFailures) of \(downAfter) before service_down)", metadata: metadata)
            report.failing.append(target.project)
        } else if row.downSince == nil {
            let message = "GET \(url) failed \(row.consecutiveFailures) times in a row; last: \(failure)"
            _ = try await store.openIncident(
                IncidentRecord(kind: .serviceDown, severity: .critical, objectKind: "Project", objectName: target.project,
                    message: message, openedAt: time),
                events: [event(target.project, "ServiceDown", "critical service_down: \(message)", .warning, at: time)])
            try await setHealthy(target.project, .false, reason: "ServiceDown", message: message, at: time)
            row.downSince = time
            logger.error("service down: incident service_down opened", metadata: metadata)
            report.wentDown.append(target.project)
        } else {
            logger.warning("service still down", metadata: metadata)
            report.stillDown.append(target.project)
        }
        try await store.save(healthCheck: row, events: [])
    }

    private func recordHealthy(
        _ answer: HealthProbeAnswer, _ row: inout HealthCheckRecord, at time: Date, report: inout HealthCheckReport,
        metadata: Logger.Metadata
    ) async throws {
        let failures = row.consecutiveFailures
        let message = "GET \(row.url) answered \(answer.status)"
        if row.downSince != nil {
            let why = "\(message) again after \(failures) failed checks"
            _ = try await store.updateOpenIncident(
                kind: .serviceDown, objectKind: "Project", objectName: row.project, status: .resolved, message: why,
                at: time, events: [event(row.project, "ServiceRecovered", why, at: time)])
            logger.notice("service recovered: incident service_down resolved", metadata: metadata)
            report.recovered.append(row.project)
        } else if failures > 0 {
            logger.info("health check passed after \(failures) failures", metadata: metadata)
        }
        try await setHealthy(row.project, .true, reason: "HealthCheckPassed", message: message, at: time)
        row.consecutiveFailures = 0
        row.lastStatus = .healthy
        row.lastCode = answer.status
        row.lastError = nil
        row.lastHealthyAt = time
        row.downSince = nil
        try await store.save(healthCheck: row, events: [])
        report.healthy.append(row.project)
    }

    /// Sets the project's `Healthy` condition; the project is written only when the status changes.
    private func setHealthy(_ name: String, _ status: Condition.Status, reason: String, message: String, at time: Date) async throws {
        guard var project = try await store.project(named: name), project.conditions[Condition.healthy]?.status != status
        else { return }
        project.conditions.set(Condition.healthy, status, reason: reason, message: message, at: time)
        try await store.save(project: project, events: [])
    }

    /// Deleted projects and projects that left `active`: their open `service_down` incidents are resolved, their
    /// `Healthy` condition and health rows removed (in that order, so a crash leaves something to finish).
    private func stopChecking(except active: Set<String>, projects: [ProjectRecord], report: inout HealthCheckReport) async throws {
        let byName = Dictionary(projects.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var names = Set(try await store.healthChecks().map(\.project))
        for incident in try await store.incidents(openOnly: true)
        where incident.kind == .serviceDown && incident.objectKind == "Project" {
            names.insert(incident.objectName)
        }
        for name in names.sorted() where !active.contains(name) {
            let time = now()
            let why = byName[name].map { "project is no longer active (phase \($0.phase.rawValue)): health checks stopped" }
                ?? "project \(name) was deleted: health checks stopped"
            if try await store.updateOpenIncident(
                kind: .serviceDown, objectKind: "Project", objectName: name, status: .resolved, message: why, at: time,
                events: byName[name] == nil ? [] : [event(name, "HealthCheckStopped", why, at: time)]) != nil
            {
                logger.notice("service_down resolved: \(why)", metadata: ["project": "\(name)", "action": "health_check"])
            }
            if var project = byName[name], project.conditions[Condition.healthy] != nil {
                project.conditions.remove(Condition.healthy)
                try await store.save(project: project, events: [])
            }
            try await store.deleteHealthCheck(project: name)
            report.stopped.append(name)
        }
    }

    private func event(
        _ name: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal, at time: Date
    ) -> EventRecord {
        EventRecord(time: time, objectKind: "Project", objectName: name, type: type, reason: reason, message: message)
    }
}
