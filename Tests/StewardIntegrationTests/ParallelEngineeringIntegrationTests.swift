import Foundation
import StewardTestSupport
import Testing

/// Engineering threads of different projects run at once in one pass (bounded by `concurrency`): the whole
/// stack (SQLite checkpoints, libgit2 worktrees, the command developer, the Tester) with the built binary.
struct ParallelEngineeringIntegrationTests {
    /// One pass over two projects with briefs; returns each developer's (start, end).
    private func developerIntervals(concurrency: Int) async throws -> (shop: (Double, Double), cart: (Double, Double)) {
        let marks = try TemporaryDirectory(prefix: "developer-marks")
        // Each project's developer writes when it started and ended, 3 s apart. One after another, the two
        // intervals could not overlap; at once, each starts before the other ends.
        let script = try marks.write("developer.sh", """
            name=$(python3 -c 'import json, os; print(json.load(open(os.environ["STEWARD_TASK_FILE"]))["project"])')
            date +%s.%N > \(marks.path)/$name.start
            sleep 3
            date +%s.%N > \(marks.path)/$name.end
            """)
        let fixture = try await EngineeringFixture(
            agents: "agents: {backend: command, command: \"sh \(script.path)\"}\nconcurrency: \(concurrency)")
        defer { fixture.stopApps() }
        try fixture.config.write("manifests/cart.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: cart}
            spec: {repo: acme/cart, brief: "A shopping cart.", stage: verified}
            """)
        _ = try await fixture.config.commit("a second project")

        let pass = try fixture.reconcile()
        #expect(pass.status == 2, "\(pass.stdout)\n\(pass.stderr)")
        #expect(pass.stdout.contains("pending: Project/shop: verified"), "\(pass.stdout)")
        func mark(_ name: String) throws -> Double {
            let text = try String(contentsOfFile: "\(marks.path)/\(name)", encoding: .utf8)
            return try #require(Double(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let describe = try StewardBinary.run(["describe", "project", "cart"] + fixture.stateArguments).stdout
        #expect(describe.contains("Phase:         verified"), "\(describe)")
        return ((try mark("shop.start"), try mark("shop.end")), (try mark("cart.start"), try mark("cart.end")))
    }

    @Test func twoProjectsDevelopersRunAtTheSameTimeAndConcurrencyOneRunsThemInTurn() async throws {
        let parallel = try await developerIntervals(concurrency: 4)
        #expect(parallel.shop.0 < parallel.cart.1 && parallel.cart.0 < parallel.shop.1, "\(parallel)")
        let serial = try await developerIntervals(concurrency: 1)
        #expect(serial.shop.1 <= serial.cart.0 || serial.cart.1 <= serial.shop.0, "\(serial)")
    }
}
