import Foundation
import StewardTestSupport
import Testing

/// `steward logs -f` beside a command that acts: the deploy's task lines appear while the deploy runs.
@Suite(.serialized)
struct LogsIntegrationTests {
    @Test func followingShowsADeploysTaskLinesWhileItRuns() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        // The app starts only once the test says so: the deploy is still running (its health gate waits) when the
        // follower must already show its task lines.
        let go = fixture.state.url.appendingPathComponent("GO").path
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "    healthPath: /health",
            with: "    healthPath: /health\n    command: \"sh -c 'while [ ! -e \(go) ]; do sleep 0.1; done; exec python3 app.py'\""))
        try await fixture.config.commit("an app that waits for GO")
        // The database exists before the follower starts (plan creates it and acts on nothing).
        #expect(try StewardBinary.run(["plan"] + fixture.configArguments).status == 2)

        let followed = try TemporaryDirectory(prefix: "steward-logs")
        let followerOutput = try FileHandle(forWritingTo: followed.write("follower.out", ""))
        let follower = try StewardBinary.start(["logs", "-f", "--project", "hello"] + fixture.stateArguments, output: followerOutput)
        let reconcile = try StewardBinary.start(["reconcile", "--once"] + fixture.configArguments)
        func followedText() -> String {
            (try? String(contentsOf: followed.url.appendingPathComponent("follower.out"), encoding: .utf8)) ?? ""
        }
        try await waitUntil("the follower to show the deploy's task lines", limit: Patience.base * 3,
            detail: { followedText() }) { followedText().contains("Start the app under the supervisor") }
        #expect(reconcile.isRunning, "the deploy waits for GO, so the lines came while it ran")
        #expect(followedText().contains("action=ansible_task"))
        #expect(!followedText().contains("server sync"), "--project keeps only the project's lines")

        FileManager.default.createFile(atPath: go, contents: Data())
        reconcile.waitUntilExit()
        #expect(reconcile.terminationStatus == 0)
        try await waitUntil("the follower to show the finished deploy", detail: { followedText() }) {
            followedText().contains("action=deploy")
        }
        kill(follower.processIdentifier, SIGINT)
        follower.waitUntilExit()
        #expect(follower.terminationStatus == 0, "Ctrl-C ends a follower quietly")

        // Without -f: the lines so far, filtered; JSON on request.
        let warnings = try StewardBinary.run(["logs", "--level", "warn"] + fixture.stateArguments)
        #expect(warnings.status == 0)
        #expect(!warnings.stdout.contains("INFO"))
        let json = try StewardBinary.run(["logs", "--project", "hello", "--since", "1h", "-o", "json"] + fixture.stateArguments)
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count > 5 && objects.allSatisfy { $0["project"] as? String == "hello" && $0["id"] != nil })
    }
}
