import Foundation
import StewardTestSupport
import Testing

/// Two passes never act on one state dir at once: the second waits for the first's lock.
struct StateLockIntegrationTests {
    @Test func aSecondPassWaitsForTheLockAndThenRuns() async throws {
        let fixture = try await QuickstartFixture()
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest + "  suspend: true\n")
        try await fixture.config.commit("no deploy needed")
        let lockPath = fixture.state.url.appendingPathComponent("steward.lock").path
        let descriptor = open(lockPath, O_CREAT | O_RDWR, 0o600)
        #expect(flock(descriptor, LOCK_EX) == 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try StewardBinary.path())
        process.arguments = ["reconcile", "--once"] + fixture.configArguments
        let logURL = fixture.state.url.appendingPathComponent("second-pass.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func log() -> String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
        // The pass says it waits, and it does: it is still running while the lock is held.
        try await waitUntil("the second pass to report that it waits for the lock", detail: { log() }) {
            log().contains("another steward process is reconciling this state dir; waiting") || !process.isRunning
        }
        #expect(process.isRunning, "the pass must wait while another process holds the lock: \(log())")
        flock(descriptor, LOCK_UN)
        close(descriptor)
        try await waitUntil("the second pass to finish once the lock is free", detail: { log() }) { !process.isRunning }
        #expect(process.terminationStatus == 0)
        #expect(log().contains("another steward process is reconciling this state dir; waiting"))
    }
}
