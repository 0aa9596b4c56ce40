import Foundation
import Logging
import StewardModel

/// What one server_sync saw and changed.
public struct ServerSyncReport: Sendable {
    /// Servers answering with the trusted host key whose facts were gathered.
    public var reachable: [String] = []
    /// Servers whose check failed this time (fail_count + 1).
    public var unreachable: [String] = []
    /// Servers that went to `error` in this sync (unreachable N times, or a changed host key).
    public var failed: [String] = []
    /// Servers back from `error`.
    public var recovered: [String] = []
    /// Servers whose key was recorded on first use.
    public var trusted: [String] = []
    /// Servers presenting a host key other than the trusted one.
    public var hostKeyChanged: [String] = []
    /// How long the one `server_facts.yml` run took (zero when no server was due).
    public var factsDuration: Duration = .zero

    public init() {}
}

/// The server_sync worker (seed 1.4): host keys, reachability and facts of every declared server.
///
/// Each SSH server's host keys are scanned first. No trusted key yet: the pinned `spec.hostKey`, else the
/// scanned key is trusted on first use. A key other than the trusted one puts the server in `error` with a
/// critical `host_key_changed` incident and is never accepted silently: changing the `spec.hostKey` pin is
/// how a new key is accepted. Servers answering with the trusted key get their facts and deploy markers from
/// ONE `server_facts.yml` run. A failed check only increments the persisted `fail_count`;
/// `unreachableAfter` consecutive failures put the server in `error` with one `server_unreachable` incident.
/// Servers in error keep being checked and recover by themselves.
public struct ServerSync: Sendable {
    public var store: any StateStore & ForgeSyncStore & ServerSyncStore
    public var runner: any PlaybookRunner
    public var probe: any HostProbe
    public var access: ServerAccess
    /// Steward's playbooks directory (`server_facts.yml`).
    public var playbooksDirectory: URL
    /// Provisioning inputs of a server: provisioned servers whose inputs changed are provisioned again.
    public var provisioningHash: @Sendable (ServerRecord) -> String?
    /// Consecutive failed checks before `error` (`thresholds.unreachableAfter`).
    public var unreachableAfter: Int
    /// Provisioning attempts after which a server waits in `error` for new inputs or `--reprovision`.
    public var maxProvisionAttempts: Int
    public var timeout: Duration
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        store: any StateStore & ForgeSyncStore & ServerSyncStore, runner: any PlaybookRunner, probe: any HostProbe,
        access: ServerAccess, playbooksDirectory: URL, provisioningHash: @escaping @Sendable (ServerRecord) -> String?,
        unreachableAfter: Int = 3, maxProvisionAttempts: Int = 3, timeout: Duration = .seconds(120),
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.probe = probe
        self.access = access
        self.playbooksDirectory = playbooksDirectory
        self.provisioningHash = provisioningHash
        self.unreachableAfter = max(1, unreachableAfter)
        self.maxProvisionAttempts = max(1, maxProvisionAttempts)
        self.timeout = timeout
        self.now = now
        self.logger = logger
    }

    /// One sync of every declared (not orphaned) server, or of `only` those.
    /// - Throws: store errors, and errors writing known_hosts; failing servers are recorded and reported.
    public func sync(only: Set<String>? = nil) async throws -> ServerSyncReport {
        var report = ServerSyncReport()
        let started = ContinuousClock.now
        try await store.saveServerSyncAttempt(now())
        let records = try await store.servers().filter { record in
            !record.orphaned && record.spec != nil && (only == nil || only!.contains(record.name))
        }
        let sshServers = records.filter { $0.spec!.connection == .ssh }
        let scans = await scanHostKeys(sshServers)

        var candidates: [ServerRecord] = []
        for var record in sshServers {
            record.lastCheckedAt = now()
            var events: [EventRecord] = []
            if let pin = record.spec!.hostKey.flatMap(HostKey.init), record.hostKey.flatMap(HostKey.init) != pin {
                events.append(event(record.name, "HostKeyPinned",
                    "trusting \(pin.type) \(pin.fingerprint) from spec.hostKey"
                        + (record.hostKey.map { " (was \(HostKey.fingerprint(of: $0)))" } ?? "")))
                record.hostKey = pin.description
            }
            switch scans[record.name] ?? .failure(HostProbeError("not scanned")) {
            case .failure(let error):
                try await checkFailed(&record, reason: "\(error)", events: events, report: &report)
            case .success(let keys):
                if record.hostKey == nil, let key = HostKey.preferred(keys) {
                    record.hostKey = key.description
                    events.append(event(record.name, "HostKeyTrusted",
                        "trusted on first use: \(key.type) \(key.fingerprint)"))
                    report.trusted.append(record.name)
                }
                guard let trusted = record.hostKey.flatMap(HostKey.init), keys.contains(trusted) else {
                    try await hostKeyChanged(&record, presented: keys, events: events, report: &report)
                    continue
                }
                if let incident = try await store.updateOpenIncident(
                    kind: .hostKeyChanged, objectKind: "Server", objectName: record.name, status: .resolved,
                    message: "the server presents the trusted key \(trusted.fingerprint) again", at: now(), events: [])
                {
                    events.append(event(record.name, "IncidentResolved",
                        "host_key_changed #\(incident.id ?? 0): the server presents the trusted key \(trusted.fingerprint)"))
                }
                try await store.save(server: record, events: events)
                candidates.append(record)
            }
        }
        // Ansible connects only after the file holds every trusted key (and none that is not trusted).
        try access.writeKnownHosts(try await store.servers())

        let localServers = records.filter { $0.spec!.connection == .local }
        let factsStarted = ContinuousClock.now
        let outcomes = try await gatherFacts(candidates + localServers)
        report.factsDuration = candidates.isEmpty && localServers.isEmpty ? .zero : ContinuousClock.now - factsStarted
        for record in candidates {
            guard var current = try await store.server(named: record.name) else { continue }
            switch outcomes[record.name] ?? .failure(HostProbeError("no result from server_facts.yml")) {
            case .success(let facts):
                try await checkSucceeded(&current, facts: facts, report: &report)
            case .failure(let error):
                try await checkFailed(&current, reason: "\(error)", events: [], report: &report)
            }
        }
        for record in localServers {
            guard var current = try await store.server(named: record.name) else { continue }
            current.lastCheckedAt = now()
            switch outcomes[record.name] {
            case .success(let facts):
                current.facts = facts.facts
                current.deployMarkers = facts.deployMarkers().markers
                current.lastSeenAt = now()
            case .failure(let error):
                logger.warning("facts of the local server unavailable: \(error)", metadata: [
                    "server": "\(record.name)", "action": "server_sync",
                ])
            case nil:
                break
            }
            try await store.save(server: current, events: [])
        }
        logger.info("server sync finished", metadata: [
            "servers": "\(records.count)", "reachable": "\(report.reachable.count)",
            "unreachable": "\(report.unreachable.count)", "host_key_changed": "\(report.hostKeyChanged.count)",
            "facts_ms": "\(Self.milliseconds(report.factsDuration))",
            "duration_ms": "\(Self.milliseconds(ContinuousClock.now - started))", "action": "server_sync",
        ])
        return report
    }

    /// Scans every server's host keys concurrently (each scan waits for its own timeout at most).
    private func scanHostKeys(_ servers: [ServerRecord]) async -> [String: Result<[HostKey], any Error>] {
        let probe = self.probe
        let timeout = access.connectTimeout
        return await withTaskGroup(of: (String, Result<[HostKey], any Error>).self) { group in
            for server in servers {
                let spec = server.spec!
                group.addTask {
                    do {
                        let keys = try await probe.hostKeys(address: spec.address, port: spec.port, timeout: timeout)
                        let parsed = keys.compactMap(HostKey.init)
                        if parsed.isEmpty { throw HostProbeError("\(spec.address):\(spec.port) presented no host key") }
                        return (server.name, .success(parsed))
                    } catch {
                        return (server.name, .failure(error))
                    }
                }
            }
            var results: [String: Result<[HostKey], any Error>] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
    }

    /// Runs `server_facts.yml` once over every server and reads each host's report.
    private func gatherFacts(_ servers: [ServerRecord]) async throws -> [String: Result<ServerFactsReport, any Error>] {
        guard !servers.isEmpty else { return [:] }
        let reports = access.stateDirectory.appendingPathComponent("server-facts", isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: reports, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: reports) }
        let hosts = servers.map { record in
            // Not yet provisioned: the deploy user may not exist, so the bootstrap user looks.
            access.host(name: record.name, spec: record.spec!, purpose: record.provisionedHash == nil ? .bootstrap : .deploy)
        }
        let request = PlaybookRequest(
            playbook: playbooksDirectory.appendingPathComponent("server_facts.yml").path, hosts: hosts,
            extraVars: ["steward_report_dir": .string(reports.path)], timeout: timeout)
        let logger = self.logger
        let result = try await runner.run(request) { task in
            guard task.status == .failed || task.status == .unreachable else { return }
            logger.debug("\(task.task)", metadata: [
                "server": "\(task.host)", "status": "\(task.status.rawValue)", "action": "server_sync",
            ])
        }
        var outcomes: [String: Result<ServerFactsReport, any Error>] = [:]
        for record in servers {
            let file = reports.appendingPathComponent("\(record.name).json")
            if let data = try? Data(contentsOf: file) {
                do {
                    outcomes[record.name] = .success(try JSONDecoder().decode(ServerFactsReport.self, from: data))
                } catch {
                    outcomes[record.name] = .failure(HostProbeError("unreadable facts report: \(error)"))
                }
                continue
            }
            let failed = result.tasks.last { $0.host == record.name && ($0.status == .failed || $0.status == .unreachable) }
            let reason = failed.map { "\($0.status.rawValue) at task \"\($0.task)\": \($0.message ?? "-")" }
                ?? (result.stderrTail.isEmpty ? "server_facts.yml \(result.status.rawValue)" : result.stderrTail)
            outcomes[record.name] = .failure(HostProbeError(reason))
        }
        return outcomes
    }

    private func checkSucceeded(_ record: inout ServerRecord, facts: ServerFactsReport, report: inout ServerSyncReport) async throws {
        var events: [EventRecord] = []
        let (markers, unreadable) = facts.deployMarkers()
        if !unreadable.isEmpty {
            logger.warning("unreadable deploy markers skipped", metadata: [
                "server": "\(record.name)", "projects": "\(unreadable.joined(separator: ","))", "action": "server_sync",
            ])
        }
        record.facts = facts.facts
        record.deployMarkers = markers
        record.lastSeenAt = now()
        record.lastCheckedAt = now()
        if record.failCount > 0 {
            events.append(event(record.name, "Reachable", "reachable again after \(record.failCount) failed checks"))
        }
        record.failCount = 0
        if let incident = try await store.updateOpenIncident(
            kind: .serverUnreachable, objectKind: "Server", objectName: record.name, status: .resolved,
            message: "reachable again", at: now(), events: [])
        {
            events.append(event(record.name, "IncidentResolved", "server_unreachable #\(incident.id ?? 0): reachable again"))
        }
        let current = provisioningHash(record)
        let old = record.status
        let next: ServerStatus
        let why: String
        switch record.status {
        case .discovered:
            if let current, facts.provisioned == current, record.provisionedHash == nil {
                // A fresh state dir: the server says it was provisioned with exactly these inputs.
                record.provisionedHash = current
                record.observedGeneration = record.generation
                events.append(event(record.name, "ProvisioningAdopted",
                    "the provisioning marker on the server matches the current inputs (\(current.prefix(12))); no playbook run"))
                (next, why) = (.ready, "reachable; provisioned with the current inputs (marker)")
            } else {
                (next, why) = (.provisioning, "reachable; provisioning")
            }
        case .provisioning:
            (next, why) = (.provisioning, "")
        case .ready:
            (next, why) = record.provisionedHash == current
                ? (.ready, "") : (.provisioning, "provisioning inputs changed (playbooks or spec)")
        case .error:
            if record.provisionedHash != nil, record.provisionedHash == current {
                (next, why) = (.ready, "reachable with the trusted key; provisioned with the current inputs")
            } else if record.provisionAttempts >= maxProvisionAttempts, try await lastProvisionHash(record) == current {
                // Attempts are exhausted for these inputs: wait for new ones or `--reprovision`.
                (next, why) = (.error, "")
            } else {
                if record.provisionAttempts >= maxProvisionAttempts {
                    events.append(event(record.name, "ProvisioningInputsChanged",
                        "provisioning inputs changed since the last attempt; attempts start over"))
                    record.provisionAttempts = 0
                }
                (next, why) = (.provisioning, "reachable with the trusted key; provisioning")
            }
        }
        if next != old {
            record.status = next
            events.append(event(record.name, "StatusChanged", "\(old.rawValue) -> \(next.rawValue): \(why)"))
            record.conditions.set(Condition.ready, next == .ready ? .true : .false,
                reason: next == .ready ? "Reachable" : "Provisioning", message: why, at: now())
            if old == .error { report.recovered.append(record.name) }
        }
        record.updatedAt = now()
        try await store.save(server: record, events: events)
        report.reachable.append(record.name)
        logger.info("server reachable", metadata: [
            "server": "\(record.name)", "status": "\(record.status.rawValue)", "action": "server_sync",
            "memory_mb": "\(record.facts?.memoryMB.map(String.init) ?? "-")", "os": "\(record.facts?.os ?? "-")",
            "markers": "\(markers.count)",
        ])
    }

    /// Inputs of the server's last bootstrap or provision run.
    private func lastProvisionHash(_ record: ServerRecord) async throws -> String? {
        try await store.runs(server: record.name, limit: 5).first { $0.kind == "bootstrap" || $0.kind == "provision" }?.inputHash
    }

    private func checkFailed(
        _ record: inout ServerRecord, reason: String, events: [EventRecord], report: inout ServerSyncReport
    ) async throws {
        var events = events
        record.failCount += 1
        record.lastCheckedAt = now()
        record.updatedAt = now()
        report.unreachable.append(record.name)
        let message = "unreachable \(record.failCount) times in a row: \(reason)"
        if record.failCount >= unreachableAfter, record.status != .error {
            events.append(event(record.name, "StatusChanged", "\(record.status.rawValue) -> error: \(message)", .warning))
            record.status = .error
            record.conditions.set(Condition.ready, .false, reason: "Unreachable", message: message, at: now())
            report.failed.append(record.name)
        }
        try await store.save(server: record, events: events)
        if record.failCount >= unreachableAfter {
            // One incident per outage: an open one is returned as it is.
            _ = try await store.openIncident(
                IncidentRecord(kind: .serverUnreachable, severity: .critical, objectKind: "Server", objectName: record.name,
                    message: message, openedAt: now()),
                events: [event(record.name, "IncidentOpened", "critical server_unreachable: \(message)", .warning)])
            logger.error("server unreachable", metadata: [
                "server": "\(record.name)", "status": "\(record.status.rawValue)", "fail_count": "\(record.failCount)",
                "reason": "\(reason)", "action": "server_sync",
            ])
        } else {
            logger.warning("server check failed (transient until \(unreachableAfter) in a row)", metadata: [
                "server": "\(record.name)", "status": "\(record.status.rawValue)", "fail_count": "\(record.failCount)",
                "reason": "\(reason)", "action": "server_sync",
            ])
        }
    }

    private func hostKeyChanged(
        _ record: inout ServerRecord, presented: [HostKey], events: [EventRecord], report: inout ServerSyncReport
    ) async throws {
        var events = events
        let trusted = record.hostKey.flatMap(HostKey.init)
        let shown = presented.map { "\($0.type) \($0.fingerprint)" }.joined(separator: ", ")
        let message = "presents host key \(shown) but Steward trusts \(trusted.map { "\($0.type) \($0.fingerprint)" } ?? "none")"
            + "; refusing to connect. If the change is expected, pin the new key with spec.hostKey"
        record.lastCheckedAt = now()
        record.updatedAt = now()
        if record.status != .error {
            events.append(event(record.name, "StatusChanged", "\(record.status.rawValue) -> error: \(message)", .warning))
            record.status = .error
            report.failed.append(record.name)
        }
        record.conditions.set(Condition.ready, .false, reason: "HostKeyChanged", message: message, at: now())
        try await store.save(server: record, events: events)
        _ = try await store.openIncident(
            IncidentRecord(kind: .hostKeyChanged, severity: .critical, objectKind: "Server", objectName: record.name,
                message: message, openedAt: now()),
            events: [event(record.name, "IncidentOpened", "critical host_key_changed: \(message)", .warning)])
        report.hostKeyChanged.append(record.name)
        logger.error("host key changed", metadata: [
            "server": "\(record.name)", "status": "error", "presented": "\(shown)",
            "trusted": "\(trusted?.fingerprint ?? "-")", "action": "server_sync",
        ])
    }

    private func event(_ name: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal) -> EventRecord {
        EventRecord(time: now(), objectKind: "Server", objectName: name, type: type, reason: reason, message: message)
    }

    /// Whole milliseconds of `duration`, for log fields and reports.
    public static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
