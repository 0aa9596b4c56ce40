import Foundation
import StewardCore
import StewardStore
import StewardTestSupport
import Testing

/// Two one-shot passes never act on one state dir at once: the second waits for the first's `controller` lease (held
/// here by the test, as a live `steward reconcile` would hold it), says so, and runs once it is released.
struct StateAccessIntegrationTests {
    @Test func aSecondPassWaitsForTheFirstAndThenRuns() async throws {
        let fixture = try await QuickstartFixture()
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest + "  suspend: true\n")
        try await fixture.config.commit("no deploy needed")
        #expect(try StewardBinary.run(["plan"] + fixture.configArguments).status == 2, "plan creates the database")
        let store = try SQLStateStore(stateDirectory: fixture.state.url)
        let first = KeyLeases(store: store, holder: LeaseHolder(role: "reconcile"))
        #expect(try await first.tryAcquire(ObjectKey.controllerLease) == nil)

        let output = try TemporaryDirectory(prefix: "steward-second")
        let log = try FileHandle(forWritingTo: output.write("second.out", ""))
        let process = try StewardBinary.start(["reconcile", "--once"] + fixture.configArguments, output: log)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        func text() -> String { (try? String(contentsOf: output.url.appendingPathComponent("second.out"), encoding: .utf8)) ?? "" }
        try await waitUntil("the second pass to report that it waits", detail: { text() }) {
            text().contains("another steward process is reconciling this state dir") || !process.isRunning
        }
        #expect(process.isRunning, "the pass must wait while another one-shot command holds the state dir: \(text())")
        #expect(text().contains("steward reconcile (pid \(getpid()) on "), "it names the holder: \(text())")
        await first.releaseAll()
        try await waitUntil("the second pass to finish once the lease is free", detail: { text() }) { !process.isRunning }
        #expect(process.terminationStatus == 0, "\(text())")
    }
}
