import Foundation
import StewardTestSupport
import Testing

/// One controller per state dir: a second `steward run` exits 1 naming the first; after a `kill -9` a new controller
/// on this machine takes over at once (the holder's process is gone); a graceful stop releases the lease.
@Suite(.serialized)
struct ControllerLeaseIntegrationTests {
    @Test func aSecondControllerIsRefusedAndADeadOneIsTakenOverAtOnce() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        #expect(try fixture.reconcile().status == 0)
        let output = try TemporaryDirectory(prefix: "steward-run")
        let log = try FileHandle(forWritingTo: output.write("first.out", ""))
        let first = try StewardBinary.start(["run", "--interval", "1", "--listen", "127.0.0.1:0"] + fixture.configArguments, output: log)
        func firstText() -> String { (try? String(contentsOf: output.url.appendingPathComponent("first.out"), encoding: .utf8)) ?? "" }
        try await waitUntil("the first controller's first config poll", limit: Patience.base * 3, detail: { firstText() }) {
            firstText().contains("projects to reconcile")
        }

        let second = try StewardBinary.run(["run", "--max-passes", "1", "--listen", "127.0.0.1:0"] + fixture.configArguments)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another steward run controls \(fixture.state.path): steward run (pid \(first.processIdentifier) on "),
            "\(second.stderr)")

        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let takeover = try StewardBinary.run(["run", "--max-passes", "1", "--listen", "127.0.0.1:0"] + fixture.configArguments)
        #expect(takeover.status == 0, "the dead controller's lease is taken over at once: \(takeover.stderr)")
        // A graceful stop released it: the next one starts without waiting for an expiry.
        let next = try StewardBinary.run(["run", "--max-passes", "1", "--listen", "127.0.0.1:0"] + fixture.configArguments)
        #expect(next.status == 0, "\(next.stderr)")
    }
}
