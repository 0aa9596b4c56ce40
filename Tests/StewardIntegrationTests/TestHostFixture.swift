import Foundation
import StewardTestSupport
import Testing

/// Test hosts of `scripts/testhosts.sh` for one test: network namespaces, each with its own root filesystem
/// and sshd. Call `down()` when done (a `defer` right after creating it).
struct TestHostFixture {
    /// One host as `hosts.json` describes it.
    struct Host: Decodable {
        var name: String
        var address: String
        var privateKeyFile: String
    }

    static let script = StewardBinary.repoRoot.appendingPathComponent("scripts/testhosts.sh").path

    let directory: TemporaryDirectory
    let hosts: [Host]

    /// Brings up `count` hosts numbered from `first` (numbers never shared by tests that may run at once).
    init(count: Int, first: Int, prefix: String) async throws {
        directory = try TemporaryDirectory(prefix: prefix)
        do {
            try await run([Self.script, "up", directory.path, "\(count)", "\(first)"])
        } catch {
            Issue.record("scripts/testhosts.sh up failed: \(error)")
            _ = try? await run([Self.script, "down", directory.path])
            throw error
        }
        hosts = try JSONDecoder().decode([Host].self, from: Data(contentsOf: directory.url.appendingPathComponent("hosts.json")))
    }

    /// Stops or starts (`action`) the sshd of host `number`.
    func sshd(_ number: Int, _ action: String) async throws {
        try await run([Self.script, "sshd", directory.path, "\(number)", action])
    }

    /// Tears every host down (waiting on the calling thread: it runs in `defer`, where nothing can suspend).
    func down() {
        _ = try? runBlocking([Self.script, "down", directory.path])
    }
}
