import Foundation
import Logging
import StewardModel

/// What one provisioning round did.
public struct ProvisionReport: Sendable {
    public var provisioned: [String] = []
    public var failed: [String] = []
    /// Servers due but waiting: attempts exhausted until the inputs change or `--reprovision`.
    public var waiting: [String] = []
    /// Duration of each server's bootstrap + provision.
    public var durations: [String: Duration] = [:]

    public init() {}
}

/// The provisioner_trigger worker: servers in `provisioning` (reachable, and new or with changed inputs) run
/// `bootstrap.yml` as `spec.bootstrapUser` (deploy user with Steward's key, SSH hardening) and then
/// `provision.yml`, also as the bootstrap user because it installs packages (base packages, the apps and
/// nginx directories owned by the deploy user). Success -> `ready`; failure -> `error` with a
/// `provisioning_failed` incident naming the failed task and host. At most `maxAttempts` consecutive
/// attempts per set of inputs; then the server waits for changed inputs or `steward sync servers --reprovision`.
public struct ServerProvisioner: Sendable {
    public var store: any StateStore & ForgeSyncStore & ServerSyncStore
    public var runner: any PlaybookRunner
    public var access: ServerAccess
    public var playbooksDirectory: URL
    /// Hash of `bootstrap.yml` and `provision.yml` (see `playbooksHash(directory:)`).
    public var playbooksHash: String
    /// Steward's SSH public key (`TYPE BASE64 [comment]`), authorized for the deploy user.
    public var publicKey: @Sendable () async throws -> String
    public var maxAttempts: Int
    public var timeout: Duration
    /// Extra variables for both playbooks (e.g. `steward_install_packages: false`).
    public var variables: [String: JSONValue]
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        store: any StateStore & ForgeSyncStore & ServerSyncStore, runner: any PlaybookRunner, access: ServerAccess,
        playbooksDirectory: URL, playbooksHash: String, publicKey: @escaping @Sendable () async throws -> String,
        maxAttempts: Int = 3, timeout: Duration = .seconds(900), variables: [String: JSONValue] = [:],
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.access = access
        self.playbooksDirectory = playbooksDirectory
        self.playbooksHash = playbooksHash
        self.publicKey = publicKey
        self.maxAttempts = max(1, maxAttempts)
        self.timeout = timeout
        self.variables = variables
        self.now = now
        self.logger = logger
    }

    /// The playbooks whose contents are provisioning inputs.
    public static let playbooks = ["bootstrap.yml", "provision.yml"]

    /// SHA-256 over the provisioning playbooks' contents (a missing one hashes as empty).
    public static func playbooksHash(directory: URL) -> String {
        SHA256Digest.hex(playbooks.map { name in
            let data = (try? Data(contentsOf: directory.appendingPathComponent(name))) ?? Data()
            return "\(name)\0\(SHA256Digest.hex(data))\n"
        }.joined())
    }

    /// The provisioning inputs of a server: the playbooks and the spec fields provisioning uses (address, port,
    /// users, connection). Labels, capacity and the host key pin are left out: changing them provisions nothing.
    public static func inputsHash(playbooksHash: String, server: ServerRecord) -> String? {
        server.spec.map { spec in
            SHA256Digest.hex("provision-v1\n\(playbooksHash)\n\(spec.address)\n\(spec.port)\n\(spec.user)\n"
                + "\(spec.bootstrapUser)\n\(spec.connection.rawValue)")
        }
    }

    /// Provisions every SSH server in `provisioning` (and those in `reprovision`, attempts reset), concurrently.
    /// - Throws: store errors only; failed playbooks are recorded, reported and raised as incidents.
    public func provision(reprovision: Set<String> = []) async throws -> ProvisionReport {
        var report = ProvisionReport()
        var due: [ServerRecord] = []
        for var record in try await store.servers() where !record.orphaned && record.spec?.connection == .ssh {
            if record.conditions[Condition.suspended]?.status == .true {
                // `steward suspend server`: still observed by server_sync, never provisioned.
                if record.status == .provisioning || reprovision.contains(record.name) { report.waiting.append(record.name) }
                continue
            }
            if reprovision.contains(record.name), record.failCount > 0 || record.hostKey == nil
                || record.conditions[Condition.ready]?.reason == "HostKeyChanged"
            {
                // Provisioning needs a server that answers with the trusted key; the sync says when it does.
                report.waiting.append(record.name)
                logger.warning("reprovision requested but the server is unreachable or its host key is not trusted", metadata: [
                    "server": "\(record.name)", "status": "\(record.status.rawValue)", "action": "provision",
                ])
                continue
            }
            if reprovision.contains(record.name) {
                let old = record.status
                record.provisionAttempts = 0
                record.status = .provisioning
                record.updatedAt = now()
                try await store.save(server: record, events: [event(record.name, "ReprovisionRequested",
                    "\(old.rawValue) -> provisioning: requested with --reprovision")])
            }
            guard record.status == .provisioning else { continue }
            if record.provisionAttempts >= maxAttempts {
                report.waiting.append(record.name)
                logger.warning("provisioning attempts exhausted; waiting for new inputs or --reprovision", metadata: [
                    "server": "\(record.name)", "attempts": "\(record.provisionAttempts)", "status": "\(record.status.rawValue)",
                    "action": "provision",
                ])
                continue
            }
            due.append(record)
        }
        guard !due.isEmpty else { return report }
        let key: String
        do {
            key = try await publicKey().trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            for record in due {
                try await failed(record, why: "Steward's SSH public key is unavailable: \(error)", report: &report)
            }
            return report
        }
        let outcomes = await withTaskGroup(of: (String, Result<(PlaybookResult, Duration), any Error>).self) { group in
            for record in due {
                group.addTask {
                    let started = ContinuousClock.now
                    do {
                        let result = try await self.run(record, publicKey: key)
                        return (record.name, .success((result, ContinuousClock.now - started)))
                    } catch {
                        return (record.name, .failure(error))
                    }
                }
            }
            var outcomes: [String: Result<(PlaybookResult, Duration), any Error>] = [:]
            for await (name, outcome) in group { outcomes[name] = outcome }
            return outcomes
        }
        for record in due {
            guard let current = try await store.server(named: record.name) else { continue }
            switch outcomes[record.name]! {
            case .failure(let error):
                try await failed(current, why: "provisioning could not start: \(error)", report: &report)
            case .success(let (result, duration)):
                report.durations[record.name] = duration
                guard result.status == .succeeded else {
                    try await failed(current, why: failureReason(result, server: record.name), report: &report)
                    continue
                }
                try await markProvisioned(current, duration: duration)
                report.provisioned.append(current.name)
                logger.info("server provisioned", metadata: [
                    "server": "\(current.name)", "status": "ready", "duration_ms": "\(ServerSync.milliseconds(duration))",
                    "action": "provision",
                ])
            }
        }
        return report
    }

    /// bootstrap.yml then provision.yml for one server, each recorded before and after.
    private func run(_ record: ServerRecord, publicKey: String) async throws -> PlaybookResult {
        var last: PlaybookResult?
        for kind in ["bootstrap", "provision"] {
            let result = try await runPlaybook(kind, record, publicKey: publicKey)
            last = result
            guard result.status == .succeeded else { return result }
        }
        return last!
    }

    /// One provisioning playbook (`bootstrap` or `provision`) as the bootstrap user, recorded before and after.
    func runPlaybook(_ kind: String, _ record: ServerRecord, publicKey: String) async throws -> PlaybookResult {
        let spec = record.spec!
        let host = access.host(name: record.name, spec: spec, purpose: .bootstrap)
        var vars = variables
        vars["steward_user"] = .string(spec.user)
        vars["steward_public_key"] = .string(publicKey)
        let hash = Self.inputsHash(playbooksHash: playbooksHash, server: record) ?? ""
        // provision.yml leaves it on the server, so a fresh state dir adopts the server instead of provisioning it.
        vars["steward_provision_hash"] = .string(hash)
        let playbook = "\(kind).yml"
        let request = PlaybookRequest(
            playbook: playbooksDirectory.appendingPathComponent(playbook).path, hosts: [host], extraVars: vars,
            timeout: timeout)
        return try await recordedRun(
            RunRecord(kind: kind, server: record.name, playbook: playbook, inputHash: hash, startedAt: now()), request)
    }

    /// Why a playbook run failed, in one line (task, host, message).
    func failureReason(_ result: PlaybookResult, server: String) -> String {
        let message = result.tasks.last { $0.status == .failed || $0.status == .unreachable }?.message
        var why = "provisioning \(result.status.rawValue)"
        if let task = result.failedTask { why += ": task \"\(task)\" on \(result.failedHost ?? server)" }
        if let message { why += ": \(message)" } else if !result.stderrTail.isEmpty { why += ": \(result.stderrTail)" }
        return why
    }


    /// Records a successful bootstrap + provision: `ready` with the current inputs, attempts reset, a
    /// `provisioning_failed` incident resolved.
    func markProvisioned(_ record: ServerRecord, duration: Duration) async throws {
        var current = record
        let old = current.status
        current.status = .ready
        current.provisionedHash = Self.inputsHash(playbooksHash: playbooksHash, server: current)
        current.provisionAttempts = 0
        current.observedGeneration = current.generation
        let message = "provisioned in \(ServerSync.milliseconds(duration)) ms"
        current.conditions.set(Condition.ready, .true, reason: "Provisioned", message: message, at: now())
        current.updatedAt = now()
        var events = [event(current.name, "Provisioned", message),
                      event(current.name, "StatusChanged", "\(old.rawValue) -> ready: \(message)")]
        if let incident = try await store.updateOpenIncident(
            kind: .provisioningFailed, objectKind: "Server", objectName: current.name, status: .resolved,
            message: message, at: now(), events: [])
        {
            events.append(event(current.name, "IncidentResolved", "provisioning_failed #\(incident.id ?? 0): \(message)"))
        }
        try await store.save(server: current, events: events)
    }

    func recordedRun(_ record: RunRecord, _ request: PlaybookRequest) async throws -> PlaybookResult {
        var run = record
        run.id = try await store.beginRun(run)
        let id = run.id!
        let logger = self.logger
        let store = self.store
        let server = record.server ?? "-"
        let kind = record.kind
        // Task events are stored in order as they arrive.
        let (stream, continuation) = AsyncStream<TaskEvent>.makeStream()
        let writer = Task {
            for await task in stream { try? await store.appendTask(runID: id, task) }
        }
        let result: PlaybookResult
        do {
            result = try await runner.run(request) { task in
                logger.info("\(task.task)", metadata: [
                    "server": "\(server)", "host": "\(task.host)", "status": "\(task.status.rawValue)",
                    "duration_ms": "\(task.durationMs)", "action": "\(kind)",
                ])
                continuation.yield(task)
            }
        } catch {
            continuation.finish()
            await writer.value
            run.status = .failed
            run.finishedAt = now()
            try await store.finishRun(run)
            throw error
        }
        continuation.finish()
        await writer.value
        run.finish(with: result, at: now())
        try await store.finishRun(run)
        return result
    }

    func failed(_ record: ServerRecord, why: String, report: inout ProvisionReport) async throws {
        var record = record
        let old = record.status
        record.provisionAttempts += 1
        record.status = .error
        record.conditions.set(Condition.ready, .false, reason: "ProvisioningFailed", message: why, at: now())
        record.updatedAt = now()
        let attempts = "attempt \(record.provisionAttempts) of \(maxAttempts)"
        try await store.save(server: record, events: [
            event(record.name, "ProvisioningFailed", "\(why) (\(attempts))", .warning),
            event(record.name, "StatusChanged", "\(old.rawValue) -> error: \(why)", .warning),
        ])
        let incident = try await store.openIncident(
            IncidentRecord(kind: .provisioningFailed, severity: .critical, objectKind: "Server", objectName: record.name,
                message: why, openedAt: now()),
            events: [event(record.name, "IncidentOpened", "critical provisioning_failed: \(why)", .warning)])
        if incident.message != why {
            _ = try await store.updateOpenIncident(
                kind: .provisioningFailed, objectKind: "Server", objectName: record.name, status: .detected,
                message: why, at: now(), events: [])
        }
        report.failed.append(record.name)
        logger.error("provisioning failed", metadata: [
            "server": "\(record.name)", "status": "error", "attempts": "\(record.provisionAttempts)", "reason": "\(why)",
            "action": "provision",
        ])
    }

    func event(_ name: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal) -> EventRecord {
        EventRecord(time: now(), objectKind: "Server", objectName: name, type: type, reason: reason, message: message)
    }
}
