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
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        usleep(1_500_000)
        #expect(process.isRunning, "the pass must wait while another process holds the lock")
        flock(descriptor, LOCK_UN)
        close(descriptor)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("another steward process is reconciling this state dir; waiting"))
    }
}
