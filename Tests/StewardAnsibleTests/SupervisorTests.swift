import Foundation
import Glibc
import StewardModel
import StewardTestSupport
import Testing

/// `playbooks/files/steward_supervise.py` on its own: detach, restart on exit, stop the whole group.
@Suite(.timeLimit(.minutes(1)))
struct SupervisorTests {
    static let script = AnsibleTestSupport.playbooksDirectory.appendingPathComponent("files/steward_supervise.py").path

    @Test func restartsTheAppWhenItDiesAndStopsEverything() async throws {
        let work = try TemporaryDirectory(prefix: "steward-supervise")
        let pidFile = work.url.appendingPathComponent("supervisor.pid").path
        let log = work.url.appendingPathComponent("app.log").path
        let port = try AnsibleTestSupport.freePort()
        try work.write(".env", "# comment\nexport GREETING='hi there'\n")
        defer { _ = try? runBlocking(["python3", Self.script, "stop", "--pid-file", pidFile, "--timeout", "3"]) }

        try await run([
            "python3", Self.script, "start", "--pid-file", pidFile, "--log-file", log,
            "--workdir", AnsibleTestSupport.quickstartApp.path, "--env-file", work.url.appendingPathComponent(".env").path,
            "--port", String(port), "--procfile", AnsibleTestSupport.quickstartApp.appendingPathComponent("Procfile").path,
        ])
        try await waitForHealth(port: port)
        #expect(await AnsibleTestSupport.httpGet(port: port, path: "/")?.body.contains("hi there") == true)
        #expect(try await run(["python3", Self.script, "status", "--pid-file", pidFile]).contains(#""running": true"#))

        let info = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: pidFile)))
        guard case .object(let fields) = info, case .int(let pgid) = fields["pgid"] else {
            Issue.record("no pgid in \(info)")
            return
        }
        let group = Int32(pgid)
        // The app itself (python3 app.py), not its /bin/sh parent, in this supervisor's group only.
        let app = try #require(
            ProcessTable.processes(withArgument: "app.py").first { $0.pgid == group && $0.arguments.first != "/bin/sh" }
        )
        kill(app.pid, SIGKILL)
        try await waitForHealth(port: port)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("restarting in 1 s"))

        let stopped = try await run(["python3", Self.script, "stop", "--pid-file", pidFile])
        #expect(stopped.contains(#""killed": false"#), "SIGTERM was enough: \(stopped)")
        #expect(await ProcessTable.survivors(ofGroup: app.pgid).isEmpty)
        #expect(await AnsibleTestSupport.httpGet(port: port, path: "/health") == nil)
        await #expect(throws: ShellError.self) { try await run(["python3", Self.script, "status", "--pid-file", pidFile]) }
    }

    @Test func refusesToStartTwice() async throws {
        let work = try TemporaryDirectory(prefix: "steward-supervise")
        let pidFile = work.url.appendingPathComponent("supervisor.pid").path
        let log = work.url.appendingPathComponent("app.log").path
        defer { _ = try? runBlocking(["python3", Self.script, "stop", "--pid-file", pidFile, "--timeout", "3"]) }
        let start = ["python3", Self.script, "start", "--pid-file", pidFile, "--log-file", log, "--workdir", work.path, "--", "sleep 600"]
        try await run(start)
        let error = await #expect(throws: ShellError.self) { try await run(start) }
        #expect(error?.output.contains("already running") == true)
    }

    private func waitForHealth(port: Int) async throws {
        for _ in 0..<100 {
            if await AnsibleTestSupport.httpGet(port: port, path: "/health")?.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the app did not answer on port \(port)")
    }
}
