import Foundation
import StewardTestSupport
import Testing

/// server_sync and provisioning with the built binary against real sshd test hosts (numbers 11–12): TOFU and
/// pinned keys, bootstrap + provision to `ready` with the deploy user logging in under strict host key
/// checking, facts and `describe server`, an sshd outage (error + incident after N checks, resolved when back),
/// and a changed host key (error + incident, never accepted).
@Suite(.serialized)
struct ServerLifecycleIntegrationTests {
    static let script = StewardBinary.repoRoot.appendingPathComponent("scripts/testhosts.sh").path

    struct Host: Decodable {
        var name: String
        var address: String
        var hostKey: String
        var privateKeyFile: String
    }

    struct ServerJSON: Decodable {
        struct Facts: Decodable {
            var memoryMB: Int?
            var diskFreeMB: Int?
            var os: String?
            var python: String?
        }

        var name: String
        var status: String
        var failCount: Int
        var hostKey: String?
        var facts: Facts?
        var lastSeenAt: String?
        var provisionedHash: String?
    }

    struct IncidentJSON: Decodable {
        var kind: String
        var status: String
        var objectName: String
        var message: String
    }

    @Test func serversAreTrustedProvisionedWatchedAndNeverAcceptAChangedKey() async throws {
        guard getuid() == 0 else {
            Issue.record("the test hosts need root (network namespaces, overlay mounts); run the tests as root")
            return
        }
        try await StewardBinary.requireAnsible()
        let hostsDir = try TemporaryDirectory(prefix: "steward-serverhosts")
        defer { _ = try? runBlocking([Self.script, "down", hostsDir.path]) }
        let clock = ContinuousClock()
        do {
            try await run([Self.script, "up", hostsDir.path, "2", "11"])
        } catch {
            Issue.record("scripts/testhosts.sh up failed: \(error)")
            throw error
        }
        let hosts = try JSONDecoder().decode([Host].self, from: Data(contentsOf: hostsDir.url.appendingPathComponent("hosts.json")))
        #expect(hosts.map(\.name) == ["steward-th11", "steward-th12"])

        let config = try await GitFixture()
        let state = try TemporaryDirectory(prefix: "steward-state")
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            ssh: {privateKeyFile: \(hosts[0].privateKeyFile), knownHostsFile: known_hosts}
            intervals: {serverSync: 1s}
            thresholds: {unreachableAfter: 2}
            """)
        // th11 is trusted on first use; th12's key is pinned.
        try config.write("manifests/servers.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: th11}
            spec: {address: \(hosts[0].address)}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: th12}
            spec: {address: \(hosts[1].address), user: deploy, bootstrapUser: root, hostKey: "\(hosts[1].hostKey)"}
            """)
        try await config.commit("two servers")
        let configArguments = ["--config-repo", config.bare, "--state-dir", state.path]
        let stateArguments = ["--state-dir", state.path]

        func servers() throws -> [String: ServerJSON] {
            let result = try StewardBinary.run(["get", "servers", "-o", "json"] + stateArguments)
            let list = try JSONDecoder().decode([ServerJSON].self, from: Data(result.stdout.utf8))
            return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
        }
        func incidents() throws -> [IncidentJSON] {
            let result = try StewardBinary.run(["get", "incidents", "-o", "json"] + stateArguments)
            return try JSONDecoder().decode([IncidentJSON].self, from: Data(result.stdout.utf8))
        }
        func sync() throws -> StewardBinary.Result {
            try StewardBinary.run(["sync", "servers", "--once"] + configArguments)
        }
        let knownHosts = state.path + "/known_hosts"
        func ssh(_ user: String, _ host: Host, _ command: String) async throws -> String {
            try await run(["ssh", "-i", host.privateKeyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                     "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "ConnectTimeout=5", "\(user)@\(host.address)", command])
        }

        // One pass registers both servers, trusts their keys, provisions them.
        let provisionStart = clock.now
        let first = try StewardBinary.run(["reconcile", "--once"] + configArguments)
        let provisionTime = clock.now - provisionStart
        #expect(first.status == 0, "reconcile: \(first.stdout)\n\(first.stderr)")
        var byName = try servers()
        for (name, host) in [("th11", hosts[0]), ("th12", hosts[1])] {
            let server = try #require(byName[name])
            #expect(server.status == "ready", "\(name): \(first.stderr)")
            #expect(server.hostKey == host.hostKey)
            #expect(server.provisionedHash != nil && server.failCount == 0 && server.lastSeenAt != nil)
            #expect((server.facts?.memoryMB ?? 0) > 0)
            #expect((server.facts?.diskFreeMB ?? 0) > 0)
            #expect(server.facts?.os?.hasPrefix("Debian") == true)
        }
        let managed = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(managed.contains("\(hosts[0].address) \(hosts[0].hostKey)\n") && managed.contains("\(hosts[1].address) \(hosts[1].hostKey)\n"))
        let mode = try FileManager.default.attributesOfItem(atPath: knownHosts)[.posixPermissions] as? Int
        #expect(mode == 0o644)

        // The deploy user logs in with Steward's key, host key checking on; SSH is hardened by the drop-in.
        for host in hosts {
            await #expect(try ssh("deploy", host, "id -un").trimmingCharacters(in: .whitespacesAndNewlines) == "deploy")
            await #expect(try ssh("deploy", host, "test -d ~/.steward/apps && test -d ~/.steward/nginx && echo ok").contains("ok"))
            let dropIn = try await ssh("root", host, "cat /etc/ssh/sshd_config.d/50-steward.conf")
            #expect(dropIn.contains("PasswordAuthentication no") && dropIn.contains("PermitRootLogin prohibit-password"))
        }
        let table = try StewardBinary.run(["get", "servers"] + stateArguments).stdout
        #expect(table.contains("LAST-SEEN") && table.contains("Debian"))
        let described = try StewardBinary.run(["describe", "server", "th11"] + stateArguments)
        #expect(described.status == 0)
        for expected in ["Status:        ready", "Trusted key:   ssh-ed25519 SHA256:", "HostKeyTrusted", "Provisioned",
                         "bootstrap succeeded bootstrap.yml", "provision succeeded provision.yml", "Memory:"] {
            #expect(described.stdout.contains(expected), "describe server lacks \(expected):\n\(described.stdout)")
        }

        // A second sync: reachable, already provisioned with the same inputs, so only the facts run.
        let factsStart = clock.now
        let steady = try sync()
        let factsTime = clock.now - factsStart
        #expect(steady.status == 0, "\(steady.stdout)\n\(steady.stderr)")
        #expect(!steady.stdout.contains("provisioned in"))

        // sshd of th12 stops: transient once, error + one incident after 2 in a row; back -> resolved.
        try await run([Self.script, "sshd", hostsDir.path, "12", "stop"])
        #expect(try sync().status == 2)
        byName = try servers()
        #expect(byName["th12"]?.status == "ready" && byName["th12"]?.failCount == 1)
        #expect(try incidents().isEmpty)
        #expect(try sync().status == 2)
        #expect(try sync().status == 2)
        byName = try servers()
        #expect(byName["th12"]?.status == "error" && byName["th12"]?.failCount == 3)
        #expect(byName["th11"]?.status == "ready")
        var open = try incidents().filter { $0.status == "detected" }
        #expect(open.map(\.kind) == ["server_unreachable"] && open.first?.objectName == "th12")
        try await run([Self.script, "sshd", hostsDir.path, "12", "start"])
        let back = try sync()
        #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
        byName = try servers()
        #expect(byName["th12"]?.status == "ready" && byName["th12"]?.failCount == 0)
        #expect(try incidents().map(\.status) == ["resolved"])

        // th11 gets a new host key: error + host_key_changed, never accepted, however often it is checked.
        let keyFile = hostsDir.path + "/steward-th11/merged/etc/ssh/steward_host_ed25519_key"
        try await run([Self.script, "sshd", hostsDir.path, "11", "stop"])
        try FileManager.default.removeItem(atPath: keyFile)
        try FileManager.default.removeItem(atPath: keyFile + ".pub")
        try await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", keyFile])
        try await run([Self.script, "sshd", hostsDir.path, "11", "start"])
        let newKey = try String(contentsOfFile: keyFile + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        for _ in 0..<2 {
            #expect(try sync().status == 2)
            byName = try servers()
            #expect(byName["th11"]?.status == "error" && byName["th11"]?.hostKey == hosts[0].hostKey)
        }
        open = try incidents().filter { $0.status == "detected" }
        #expect(open.map(\.kind) == ["host_key_changed"] && open.first?.objectName == "th11")
        #expect(open.first?.message.contains("pin the new key with spec.hostKey") == true)
        #expect(try !String(contentsOfFile: knownHosts, encoding: .utf8).contains(newKey))
        await #expect(throws: ShellError.self) { try await ssh("deploy", hosts[0], "true") }
        let describedError = try StewardBinary.run(["describe", "server", "th11"] + stateArguments).stdout
        #expect(describedError.contains("host_key_changed") && describedError.contains("Ready=False HostKeyChanged"))

        // Pinning the new key in the manifest is how it is accepted.
        try config.write("manifests/servers.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: th11}
            spec: {address: \(hosts[0].address), hostKey: "\(newKey)"}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: th12}
            spec: {address: \(hosts[1].address), user: deploy, bootstrapUser: root, hostKey: "\(hosts[1].hostKey)"}
            """)
        try await config.commit("pin th11's new key")
        let pinned = try StewardBinary.run(["reconcile", "--once"] + configArguments)
        #expect(pinned.status == 0, "\(pinned.stdout)\n\(pinned.stderr)")
        byName = try servers()
        #expect(byName["th11"]?.status == "ready" && byName["th11"]?.hostKey == newKey)
        #expect(try incidents().allSatisfy { $0.status == "resolved" })
        await #expect(try ssh("deploy", hosts[0], "id -un").contains("deploy"))

        print("server lifecycle timings: register + provision 2 hosts \(provisionTime), facts sync of 2 hosts \(factsTime)")
    }
}
