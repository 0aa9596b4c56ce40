import Foundation
import StewardTestSupport
import Testing

/// `scripts/testhosts.sh`: three real sshd hosts, each in its own network namespace with its own
/// root filesystem, reachable with host key checking on, isolated from each other and from this
/// machine, and gone without a trace after `down`.
@Suite(.serialized)
struct TestHostsTests {
    static let script = StewardBinary.repoRoot.appendingPathComponent("scripts/testhosts.sh").path

    struct Host: Decodable {
        var name: String
        var address: String
        var port: Int
        var user: String
        var hostKey: String
        var privateKeyFile: String
    }

    @Test func threeIsolatedSSHHostsComeUpAndGoAwayCompletely() async throws {
        // Not root or a missing part is a failure that says what is missing, never a skip.
        guard getuid() == 0 else {
            Issue.record("the test hosts need root (network namespaces, overlay mounts); run the tests as root")
            return
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("steward-testhosts-\(UUID().uuidString)").path
        defer {
            _ = try? runBlocking([Self.script, "down", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }

        let clock = ContinuousClock()
        let upStart = clock.now
        do {
            try await run([Self.script, "up", dir, "3", "1"])
        } catch {
            Issue.record("scripts/testhosts.sh up failed: \(error)")
            throw error
        }
        let upTime = clock.now - upStart

        let hosts = try JSONDecoder().decode([Host].self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/hosts.json")))
        #expect(hosts.map(\.name) == ["steward-th1", "steward-th2", "steward-th3"])
        let knownHosts = try String(contentsOfFile: dir + "/known_hosts", encoding: .utf8)
        for host in hosts {
            #expect(host.port == 22 && host.user == "root")
            #expect(host.hostKey.hasPrefix("ssh-ed25519 AAAA"))
            #expect(host.privateKeyFile == dir + "/deploy_key")
            #expect(knownHosts.contains("\(host.address) \(host.hostKey)"))
        }

        func ssh(_ host: Host, _ command: String) async throws -> String {
            try await run(["ssh", "-i", host.privateKeyFile, "-p", String(host.port),
                     "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                     "-o", "UserKnownHostsFile=\(dir)/known_hosts", "-o", "ConnectTimeout=5",
                     "\(host.user)@\(host.address)", command])
        }

        // Each host answers with its own name, over SSH with host key checking on.
        var roundTrip = Duration.zero
        for host in hosts {
            let start = clock.now
            let name = try await ssh(host, "cat /etc/hostname").trimmingCharacters(in: .whitespacesAndNewlines)
            roundTrip = clock.now - start
            #expect(name == host.name)
            await #expect(try ssh(host, "hostname").trimmingCharacters(in: .whitespacesAndNewlines) == host.name)
        }

        // A file written over SSH on host 1 is on host 1 only: not on host 2, not on this machine.
        let marker = "/root/steward-marker-\(UUID().uuidString)"
        try await ssh(hosts[0], "echo steward > \(marker)")
        await #expect(try ssh(hosts[0], "cat \(marker)").contains("steward"))
        await #expect(try ssh(hosts[1], "test -e \(marker) && echo present || echo absent").contains("absent"))
        #expect(!FileManager.default.fileExists(atPath: marker))

        // A wrong host key is refused (checking really is on): host 2's address with host 1's key.
        let wrongKnownHosts = dir + "/known_hosts.wrong"
        try "\(hosts[1].address) \(hosts[0].hostKey)\n".write(toFile: wrongKnownHosts, atomically: true, encoding: .utf8)
        await #expect(throws: ShellError.self) {
            try await run(["ssh", "-i", hosts[1].privateKeyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                     "-o", "UserKnownHostsFile=\(wrongKnownHosts)", "root@\(hosts[1].address)", "true"])
        }

        let downStart = clock.now
        try await run([Self.script, "down", dir])
        let downTime = clock.now - downStart
        try await run([Self.script, "down", dir])  // idempotent

        // Only this test's hosts (1-3) are checked: other tests may have their own sets up meanwhile.
        let namespaces = try await run(["ip", "netns", "list"]).split(separator: "\n").map { $0.split(separator: " ")[0] }
        #expect(!namespaces.contains { ["steward-th1", "steward-th2", "steward-th3"].contains($0) }, "namespaces left: \(namespaces)")
        let links = try await run(["ip", "-o", "link", "show"])
        #expect(links.range(of: #"\bsth[123]h\b"#, options: .regularExpression) == nil, "veths left: \(links)")
        let mounts = try String(contentsOfFile: "/proc/mounts", encoding: .utf8)
        #expect(!mounts.contains(dir), "mounts left: \(mounts)")
        let sshds = (try? await run(["pgrep", "-f", "steward_sshd_config"])) ?? ""
        for pid in sshds.split(separator: "\n") {
            let root = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")) ?? ""
            #expect(!root.hasPrefix(dir), "sshd \(pid) of this test is still running in \(root)")
        }

        print("testhosts timings: up(3 hosts) \(upTime), one ssh round trip \(roundTrip), down \(downTime)")
    }
}
