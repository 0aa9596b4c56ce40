import Foundation
import StewardTestSupport
import Testing

/// Issue 17: `steward` copied out of the build tree runs from `/` with no checkout and no `STEWARD_PLAYBOOKS`: its
/// playbooks come from the binary and the quickstart converges.
@Suite(.serialized)
struct SelfContainedBinaryIntegrationTests {
    @Test func aCopiedBinaryRunsTheQuickstartFromTheRootDirectory() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let bin = try TemporaryDirectory(prefix: "steward-bin")
        let copy = bin.url.appendingPathComponent("steward").path
        try FileManager.default.copyItem(atPath: try StewardBinary.path(), toPath: copy)
        let result = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments, workingDirectory: "/", executable: copy)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(await httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("hello from") == true)
        let folders = try FileManager.default.contentsOfDirectory(atPath: fixture.state.url.appendingPathComponent("playbooks").path)
            .filter { !$0.hasPrefix(".") }
        #expect(folders.count == 1 && folders[0].count == 64, "one folder named by the content hash: \(folders)")
        // A broken override says so instead of running something else.
        let broken = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments,
            environment: ["STEWARD_PLAYBOOKS": "/nonexistent"], workingDirectory: "/", executable: copy)
        #expect(broken.status == 1 && broken.stderr.contains("STEWARD_PLAYBOOKS=/nonexistent is not a playbooks directory"), "\(broken.stderr)")
    }
}
