import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// A runner standing in for Ansible on the servers: `server_facts.yml` reports for reachable hosts (as the
/// playbook's delegated copy does), bootstrap/provision succeed or fail as scripted.
actor ServerPlaybookRunner: PlaybookRunner {
    var reachable: Set<String> = []
    var failingTask: String?
    var markers: [String: JSONValue] = [:]
    /// The provisioning marker each host reports (`provisioned`), by host.
    var provisioned: [String: String] = [:]
    private(set) var playbooks: [String] = []
    private(set) var requests: [PlaybookRequest] = []

    func setReachable(_ hosts: Set<String>) { reachable = hosts }
    func setFailingTask(_ task: String?) { failingTask = task }
    func setMarkers(_ markers: [String: JSONValue]) { self.markers = markers }
    func setProvisioned(_ host: String, _ hash: String?) { provisioned[host] = hash }

    func run(_ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void) async throws -> PlaybookResult {
        let playbook = URL(fileURLWithPath: request.playbook).lastPathComponent
        playbooks.append(playbook)
        requests.append(request)
        var tasks: [TaskEvent] = []
        if playbook == "server_facts.yml" {
            guard case .string(let directory) = request.extraVars["steward_report_dir"] else { throw HostProbeError("no report dir") }
            for host in request.hosts {
                if reachable.contains(host.name) {
                    let report: JSONValue = .object([
                        "memory_mb": .string("2048"), "memory_free_mb": .int(1024), "disk_free_mb": .int(5000),
                        "distribution": .string("Debian"), "distribution_version": .string("12.11"),
                        "kernel": .string("6.1.0"), "python": .string("3.11.2"), "service_mgr": .string("systemd"),
                        "apps_dir": .string("/home/deploy/.steward/apps"), "markers": .object(markers),
                        "provisioned": .string(provisioned[host.name] ?? ""),
                    ])
                    try JSONEncoder().encode(report).write(to: URL(fileURLWithPath: "\(directory)/\(host.name).json"))
                    tasks.append(TaskEvent(host: host.name, task: "Report to Steward", status: .changed, durationMs: 1))
                } else {
                    tasks.append(TaskEvent(host: host.name, task: "Gather facts (minimal subset)", status: .unreachable,
                        durationMs: 1, message: "ssh: connect to host: Connection refused"))
                }
            }
            tasks.forEach(onTask)
            let allOK = request.hosts.allSatisfy { reachable.contains($0.name) }
            return PlaybookResult(status: allOK ? .succeeded : .unreachable, exitCode: allOK ? 0 : 4, tasks: tasks)
        }
        let host = request.hosts.first?.name ?? "?"
        if let failingTask, playbook == "provision.yml" {
            let task = TaskEvent(host: host, task: failingTask, status: .failed, durationMs: 1, message: "No package matching 'nginx-light'")
            onTask(task)
            return PlaybookResult(status: .failed, exitCode: 2, tasks: [task], failedTask: failingTask, failedHost: host)
        }
        let task = TaskEvent(host: host, task: "Create the deploy user", status: .changed, durationMs: 1)
        onTask(task)
        return PlaybookResult(status: .succeeded, exitCode: 0, tasks: [task])
    }
}

/// server_sync and provisioner_trigger on the in-memory store with a fake host probe and runner.
struct ServerSyncTests {
    static let keyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    static let keyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPToaXf+OlTNTMcEmJnI9WzcL0bVgOOCsG31T4ZoVWht"
    static let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"

    let store = InMemoryStateStore()
    let probe = FakeHostProbe()
    let runner = ServerPlaybookRunner()
    let state: TemporaryDirectory
    let playbooks: TemporaryDirectory

    init() throws {
        state = try TemporaryDirectory(prefix: "steward-serversync")
        playbooks = try TemporaryDirectory(prefix: "steward-playbooks")
        try playbooks.write("bootstrap.yml", "- hosts: all\n")
        try playbooks.write("provision.yml", "- hosts: all\n")
    }

    var lifecycle: ServerLifecycle {
        ServerLifecycle(
            store: store, runner: runner, probe: probe, playbooksDirectory: playbooks.url, stateDirectory: state.url,
            publicKey: { _ in "ssh-ed25519 AAAAsteward steward@test" }, now: { Fixtures.now },
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func register(_ name: String, address: String, hostKey: String? = nil, status: ServerStatus = .discovered) async throws {
        let spec = ServerSpec(address: address, hostKey: hostKey)
        try await store.save(server: ServerRecord(
            name: name, manifestPath: "manifests/servers.yaml", status: status, generation: 1,
            specHash: CanonicalJSON.hash(spec), spec: spec, updatedAt: Fixtures.now), events: [])
    }

    @discardableResult
    func pass(unreachableAfter: Int = 3, reprovision: Set<String> = []) async throws -> (sync: ServerSyncReport, provision: ProvisionReport) {
        var settings = Settings()
        settings.thresholds.unreachableAfter = unreachableAfter
        settings.ssh = Settings.SSH(privateKeyFile: "/keys/steward", knownHostsFile: "known_hosts")
        return try #require(try await lifecycle.run(settings: settings, force: true, reprovision: reprovision))
    }

    func server(_ name: String) async throws -> ServerRecord { try #require(await store.server(named: name)) }
    func knownHosts() throws -> String { try String(contentsOfFile: state.path + "/known_hosts", encoding: .utf8) }
    func openIncidents() async -> [IncidentRecord] { await store.incidents(openOnly: true) }

    @Test func firstUseTrustsTheScannedKeyThenProvisionsToReady() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.rsa, Self.keyA])
        await runner.setReachable(["vps-1"])
        await runner.setMarkers(["shop": .object([
            "project": .string("shop"), "commit": .string("abc123"), "input_hash": .string("h1"), "port": .int(8001),
            "command": .string("python3 app.py"), "strategy": .string("recreate"), "time": .string("2026-11-25T10:00:00Z"),
        ])])
        let report = try await pass()
        #expect(report.sync.trusted == ["vps-1"])
        #expect(report.provision.provisioned == ["vps-1"])
        let record = try await server("vps-1")
        #expect(record.hostKey == Self.keyA)  // ed25519 preferred over RSA
        #expect(record.status == .ready)
        #expect(record.facts?.memoryMB == 2048 && record.facts?.os == "Debian 12.11" && record.facts?.hasSystemd == true)
        #expect(record.deployMarkers["shop"]?.commit == "abc123" && record.deployMarkers["shop"]?.port == 8001)
        #expect(record.lastSeenAt == Fixtures.now && record.failCount == 0 && record.provisionAttempts == 0)
        #expect(record.provisionedHash != nil)
        #expect(try knownHosts().contains("10.0.0.2 \(Self.keyA)\n"))
        // The facts run used the bootstrap user (not provisioned yet), strict checking and Steward's key.
        let facts = try #require(await runner.requests.first)
        #expect(facts.hosts.first?.user == "root")
        guard case .string(let arguments) = facts.hosts.first?.vars["ansible_ssh_common_args"] else {
            Issue.record("no ssh args")
            return
        }
        #expect(arguments.contains("StrictHostKeyChecking=yes") && arguments.contains("BatchMode=yes"))
        #expect(arguments.contains("UserKnownHostsFile=\(state.path)/known_hosts"))
        #expect(facts.hosts.first?.vars["ansible_ssh_private_key_file"] == .string("/keys/steward"))
        #expect(await runner.playbooks == ["server_facts.yml", "bootstrap.yml", "provision.yml"])
        let runs = await store.runs(server: "vps-1", limit: 5)
        #expect(runs.map(\.kind) == ["provision", "bootstrap"] && runs.allSatisfy { $0.status == .succeeded })
        let bootstrap = try #require(await runner.requests.dropFirst().first)
        #expect(bootstrap.extraVars["steward_public_key"] == .string("ssh-ed25519 AAAAsteward steward@test"))
        #expect(bootstrap.extraVars["steward_user"] == .string("deploy"))
        let reasons = await store.events(objectKind: "Server", objectName: "vps-1", limit: 20).map(\.reason)
        #expect(reasons.contains("HostKeyTrusted") && reasons.contains("Provisioned"))

        // Next pass: provisioned with the current inputs, so no playbook but the facts run, as the deploy user.
        try await pass()
        #expect(await runner.playbooks.suffix(1) == ["server_facts.yml"])
        #expect(await runner.requests.last?.hosts.first?.user == "deploy")
        #expect(try await server("vps-1").status == .ready)
    }

    @Test func pinnedKeyMismatchIsAnErrorAndNeverTrusted() async throws {
        try await register("vps-1", address: "10.0.0.2", hostKey: Self.keyA)
        await probe.set("10.0.0.2", [Self.keyB])
        await runner.setReachable(["vps-1"])
        let report = try await pass()
        #expect(report.sync.hostKeyChanged == ["vps-1"])
        let record = try await server("vps-1")
        #expect(record.status == .error && record.hostKey == Self.keyA)
        #expect(record.conditions[Condition.ready]?.reason == "HostKeyChanged")
        #expect(try !knownHosts().contains(Self.keyB) && knownHosts().contains(Self.keyA))
        // No connection at all to a server with the wrong key.
        #expect(await runner.playbooks.isEmpty)
        let incidents = await openIncidents()
        #expect(incidents.map(\.kind) == [.hostKeyChanged] && incidents.first?.severity == .critical)
        #expect(incidents.first?.message.contains(HostKey(Self.keyB)!.fingerprint) == true)
    }

    @Test func aChangedKeyStaysRefusedUntilPinned() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1"])
        try await pass()
        #expect(try await server("vps-1").status == .ready)

        await probe.set("10.0.0.2", [Self.keyB])
        for _ in 0..<3 {
            try await pass()
            let record = try await server("vps-1")
            #expect(record.status == .error && record.hostKey == Self.keyA)
        }
        #expect(await openIncidents().map(\.kind) == [.hostKeyChanged])  // one incident, not one per check
        #expect(try !knownHosts().contains(Self.keyB))

        // Accepting the new key is a change of the pin in the manifest.
        var record = try await server("vps-1")
        record.spec?.hostKey = Self.keyB
        try await store.save(server: record, events: [])
        let report = try await pass()
        #expect(report.sync.recovered == ["vps-1"])
        record = try await server("vps-1")
        #expect(record.hostKey == Self.keyB && record.status == .ready)
        #expect(await openIncidents().isEmpty)
        #expect(try knownHosts().contains("10.0.0.2 \(Self.keyB)"))
        let reasons = await store.events(objectKind: "Server", objectName: "vps-1", limit: 30).map(\.reason)
        #expect(reasons.contains("HostKeyPinned") && reasons.contains("IncidentResolved"))
    }

    @Test func unreachableCountsUpToTheThresholdThenOneIncidentThenRecovers() async throws {
        try await register("vps-1", address: "10.0.0.2")
        try await register("vps-2", address: "10.0.0.3")
        await probe.set("10.0.0.2", [Self.keyA])
        await probe.set("10.0.0.3", [Self.keyB])
        await runner.setReachable(["vps-1", "vps-2"])
        try await pass()
        #expect(try await server("vps-1").status == .ready)

        // The scan answers but Ansible cannot log in: a failed check too.
        await runner.setReachable(["vps-2"])
        try await pass()
        await probe.set("10.0.0.2", [])
        try await pass()
        var record = try await server("vps-1")
        #expect(record.failCount == 2 && record.status == .ready)  // transient: only the counter moved
        #expect(await openIncidents().isEmpty)
        try await pass()
        record = try await server("vps-1")
        #expect(record.failCount == 3 && record.status == .error)
        #expect(record.conditions[Condition.ready]?.reason == "Unreachable")
        try await pass()
        #expect(try await server("vps-1").failCount == 4)
        #expect(await openIncidents().map(\.kind) == [.serverUnreachable])
        #expect(try await server("vps-2").status == .ready)

        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1", "vps-2"])
        let playbooksBefore = await runner.playbooks.count
        let report = try await pass()
        #expect(report.sync.recovered == ["vps-1"])
        record = try await server("vps-1")
        #expect(record.status == .ready && record.failCount == 0)  // provisioned with the current inputs: no rerun
        #expect(await runner.playbooks.count == playbooksBefore + 1)
        #expect(await openIncidents().isEmpty)
        #expect(await store.incidents(openOnly: false).first?.status == .resolved)
    }

    @Test func failedProvisioningIsBoundedThenWaitsForReprovision() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1"])
        await runner.setFailingTask("Install missing base packages")
        for attempt in 1...3 {
            let report = try await pass()
            #expect(report.provision.failed == ["vps-1"])
            let record = try await server("vps-1")
            #expect(record.status == .error && record.provisionAttempts == attempt)
        }
        let incidents = await openIncidents()
        #expect(incidents.map(\.kind) == [.provisioningFailed])
        #expect(incidents.first?.message.contains("task \"Install missing base packages\" on vps-1") == true)
        let failedRun = try #require(await store.runs(server: "vps-1", limit: 1).first)
        #expect(failedRun.kind == "provision" && failedRun.status == .failed && failedRun.failedTask == "Install missing base packages")

        // Attempts exhausted: checks go on, provisioning does not.
        let runsBefore = await store.runs(server: "vps-1", limit: 100).count
        try await pass()
        #expect(await store.runs(server: "vps-1", limit: 100).count == runsBefore)
        #expect(try await server("vps-1").status == .error)

        // --reprovision starts over; with the cause fixed it reaches ready and resolves the incident.
        await runner.setFailingTask(nil)
        let report = try await pass(reprovision: ["vps-1"])
        #expect(report.provision.provisioned == ["vps-1"])
        let record = try await server("vps-1")
        #expect(record.status == .ready && record.provisionAttempts == 0)
        #expect(await openIncidents().isEmpty)
    }

    @Test func changedProvisioningInputsProvisionAgain() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1"])
        try await pass()
        let first = try await server("vps-1").provisionedHash
        try playbooks.write("provision.yml", "- hosts: all\n  tasks: []\n")
        let report = try await pass()
        #expect(report.provision.provisioned == ["vps-1"])
        let record = try await server("vps-1")
        #expect(record.status == .ready && record.provisionedHash != first)
        // Labels are no provisioning input.
        var labelled = record
        labelled.spec?.labels = ["zone": "b"]
        try await store.save(server: labelled, events: [])
        #expect(try await pass().provision.provisioned.isEmpty)
    }

    @Test func syncIsSkippedUntilItsIntervalPasses() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1"])
        var settings = Settings()
        settings.intervals.serverSync = 60
        #expect(try await lifecycle.run(settings: settings) != nil)
        #expect(try await lifecycle.run(settings: settings) == nil)
        #expect(await store.lastServerSyncAttempt() == Fixtures.now)
    }

    @Test func knownHostsLinesAndFingerprints() throws {
        #expect(ServerAccess.knownHostsLine(address: "10.0.0.2", port: 22, key: Self.keyA) == "10.0.0.2 \(Self.keyA)")
        #expect(ServerAccess.knownHostsLine(address: "h.example", port: 2222, key: Self.keyA) == "[h.example]:2222 \(Self.keyA)")
        // As `ssh-keygen -lf` prints it for this key.
        #expect(HostKey(Self.keyB)?.fingerprint == "SHA256:A4zC6kQjhMxaHiEW1fh4dAUEnLZUtbvz3ORIJ3rCht4")
        let access = ServerAccess(ssh: Settings.SSH(privateKeyFile: "~/.ssh/id_ed25519"), stateDirectory: state.url, connectTimeout: 4)
        let host = access.host(name: "vps-1", spec: ServerSpec(address: "10.0.0.2", user: "app", bootstrapUser: "admin"), purpose: .bootstrap)
        #expect(host.user == "admin")
        #expect(host.vars["ansible_pipelining"] == .bool(true))
        #expect(host.vars["ansible_ssh_private_key_file"] == .string(NSString(string: "~/.ssh/id_ed25519").expandingTildeInPath))
        #expect(access.host(name: "vps-1", spec: ServerSpec(address: "10.0.0.2", user: "app")).user == "app")
        let local = access.host(name: "here", spec: ServerSpec(address: "localhost", connection: .local))
        #expect(local.vars["steward_apps_dir"] == .string(state.url.appendingPathComponent("apps").path))
        #expect(local.vars["ansible_ssh_common_args"] == nil)
    }

    @Test func aFreshStateDirAdoptsAServerWhoseProvisioningMarkerMatches() async throws {
        try await register("vps-1", address: "10.0.0.2")
        await probe.set("10.0.0.2", [Self.keyA])
        await runner.setReachable(["vps-1"])
        // The marker provision.yml left with other inputs: provisioned as usual, the hash passed to the playbook.
        await runner.setProvisioned("vps-1", "an-older-hash")
        try await pass()
        let provisioned = try await server("vps-1")
        let hash = try #require(provisioned.provisionedHash)
        #expect(await runner.playbooks == ["server_facts.yml", "bootstrap.yml", "provision.yml"])
        let provision = try #require(await runner.requests.last)
        #expect(provision.extraVars["steward_provision_hash"] == .string(hash))

        // A fresh state dir: the same server, its marker now matching the current inputs.
        let fresh = try ServerSyncTests()
        try await fresh.register("vps-1", address: "10.0.0.2")
        await fresh.probe.set("10.0.0.2", [Self.keyA])
        await fresh.runner.setReachable(["vps-1"])
        await fresh.runner.setProvisioned("vps-1", hash)
        let report = try await fresh.pass()
        #expect(report.provision.provisioned.isEmpty)
        #expect(await fresh.runner.playbooks == ["server_facts.yml"])
        let adopted = try await fresh.server("vps-1")
        #expect(adopted.status == .ready)
        #expect(adopted.provisionedHash == hash)
        let events = try await fresh.store.events(objectKind: "Server", objectName: "vps-1", limit: 20)
        #expect(events.contains { $0.reason == "ProvisioningAdopted" })
    }
}
