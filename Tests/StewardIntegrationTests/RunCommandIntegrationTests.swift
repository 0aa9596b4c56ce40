import Foundation
import StewardTestSupport
import Testing

/// A `steward run` started with `--interval 1`: its stderr, and waiting on it.
final class RunningController: @unchecked Sendable {
    let process: Process
    let log: URL

    init(_ configArguments: [String], stateDirectory: URL, interval: Int = 1, environment: [String: String] = [:]) throws {
        log = stateDirectory.appendingPathComponent("run-\(UUID().uuidString.prefix(6)).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process = try StewardBinary.start(["run", "--interval", "\(interval)", "--listen", "127.0.0.1:0"] + configArguments,
            environment: environment, output: try FileHandle(forWritingTo: log))
    }

    var text: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func waitFor(
        _ what: String, limit: Duration = Patience.base * 3, _ detail: @escaping () -> String = { "" }, _ condition: () async -> Bool
    ) async throws {
        try await waitUntil(what, limit: limit, every: .milliseconds(200), detail: { "\(detail())\nlog:\n\(self.text)" }) {
            await condition()
        }
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// `HOST:PORT` of its HTTP server, once `steward status` shows it.
    func listenAddress(_ stateArguments: [String]) async throws -> String {
        var listen: String?
        try await waitFor("steward status to show the HTTP address") {
            let status = try? StewardBinary.run(["status", "-o", "json"] + stateArguments).stdout
            let object = status.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            listen = (object?["controller"] as? [String: Any])?["listen"] as? String
            return listen != nil
        }
        return listen!
    }
}

/// `steward run`, the controller: a commit made while it runs is deployed without anyone calling it; one project's
/// hanging deploy delays no other project's change, and the CLI works beside it; SIGTERM lets work finish within
/// `shutdownGrace`, then ends it, and the next start converges.
@Suite(.serialized)
struct RunCommandIntegrationTests {
    @Test func theControllerDeploysNewCommitsByItselfAndStopsOnSIGTERM() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }

        let url = "http://127.0.0.1:\(fixture.port)/"
        try await controller.waitFor("the first deploy") { await httpGet(url)?.contains("hello from") == true }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hola"))
        let commit = try await fixture.config.commit("greeting while the controller runs")
        try await controller.waitFor("the commit to be deployed") { await httpGet(url)?.contains("hola from") == true }
        #expect(controller.text.contains("config \(commit.prefix(12)): 1 projects to reconcile"), "only the changed key")

        // `steward status` tells the truth: this pid, its lease, its queue.
        let status = try StewardBinary.run(["status", "-o", "json"] + fixture.stateArguments)
        #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(object?["running"] as? Bool == true)
        #expect((object?["holder"] as? String)?.contains(":\(controller.process.processIdentifier):") == true, "\(status.stdout)")
        let text = try StewardBinary.run(["status"] + fixture.stateArguments)
        #expect(text.stdout.contains("controller: running, steward run (pid \(controller.process.processIdentifier) on "), "\(text.stdout)")
        #expect(text.stdout.contains("queue: "), "\(text.stdout)")

        // SIGHUP fetches the config repo now and never stops the controller.
        kill(controller.process.processIdentifier, SIGHUP)
        try await controller.waitFor("a fetch after SIGHUP") { controller.text.contains("SIGHUP: fetching the config repo now") }
        #expect(controller.process.isRunning)
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("a graceful stop") { !controller.process.isRunning }
        #expect(controller.process.terminationStatus == 0)
        #expect(controller.text.contains("controller started"))
        #expect(controller.text.contains("controller stopped"))
        let stopped = try StewardBinary.run(["status"] + fixture.stateArguments)
        #expect(stopped.status == 3)
        #expect(stopped.stdout.contains("no controller runs on \(fixture.state.path)"), "\(stopped.stdout)")
        // The lease was released: a one-shot pass runs at once.
        let after = try fixture.reconcile()
        #expect(after.status == 0)
        #expect(!after.stderr.contains("waiting for it"))
    }

    /// A second project, `slow`, on a server of its own, whose app starts only once the file `go` exists: its deploy
    /// hangs in the playbook's health wait until then.
    private func addSlowProject(_ fixture: QuickstartFixture, go: String, settings extra: String = "") async throws -> Int {
        let port = try freePort()
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/slow.yaml", manifest
            .replacingOccurrences(of: "name: hello", with: "name: slow")
            .replacingOccurrences(of: "server: local", with: "server: local-slow")
            .replacingOccurrences(of: "    healthPath: /health", with: """
                    healthPath: /health
                    command: "sh -c 'while [ ! -e \(go) ]; do sleep 0.1; done; exec python3 app.py'"
                """))
        let server = try String(contentsOfFile: fixture.config.workTree + "/manifests/local.yaml", encoding: .utf8)
        try fixture.config.write("manifests/local-slow.yaml", server
            .replacingOccurrences(of: "name: local", with: "name: local-slow")
            .replacingOccurrences(of: "\(fixture.port)-\(fixture.port)", with: "\(port)-\(port)"))
        if !extra.isEmpty {
            let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
            try fixture.config.write("steward.yaml", settings + extra)
        }
        try await fixture.config.commit("a slow project")
        return port
    }

    @Test func aHangingDeployDelaysNoOtherProjectAndTheCLIWorksBesideIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let go = fixture.state.url.appendingPathComponent("GO").path
        #expect(try fixture.reconcile().status == 0)
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        try await controller.waitFor("the first config poll") { controller.text.contains("projects to reconcile") }

        let slowPort = try await addSlowProject(fixture, go: go)
        try await controller.waitFor("the slow deploy to start") {
            controller.text.contains("Start the app under the supervisor") && controller.text.contains("project=slow")
        }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hola"))
        try await fixture.config.commit("greeting while slow deploys")
        let url = "http://127.0.0.1:\(fixture.port)/"
        try await controller.waitFor("hello's change deployed while slow still deploys") {
            await httpGet(url)?.contains("hola from") == true
        }
        #expect(await httpGet("http://127.0.0.1:\(slowPort)/health") == nil, "slow is still waiting for GO")

        // The CLI beside the controller: commands that write complete while project/slow is busy.
        let status = try StewardBinary.run(["status"] + fixture.stateArguments)
        #expect(status.stdout.contains("project/slow"), "slow is in flight: \(status.stdout)")
        let secret = try StewardBinary.run(["secret", "set", "hello", "TOKEN"] + fixture.stateArguments, input: "s3cret\n")
        #expect(secret.status == 0, "\(secret.stderr)")
        let fix = try StewardBinary.run(["fix", "hello"] + fixture.configArguments)
        #expect(fix.status == 0, "\(fix.stdout)\(fix.stderr)")
        let ask = try StewardBinary.run(["ask", "status"] + fixture.configArguments)
        #expect(ask.status == 0, "\(ask.stdout)\(ask.stderr)")
        let pass = try fixture.reconcile(["--project", "hello"])
        #expect(pass.status == 0, "a pass for hello beside the controller: \(pass.stdout)\(pass.stderr)")
        #expect(pass.stderr.contains("controls this state dir; acting beside it"), "\(pass.stderr)")
        // A pass that needs slow waits for it, and says so.
        let waitingLog = try TemporaryDirectory(prefix: "steward-waiting")
        let waiting = try StewardBinary.start(["reconcile", "--once", "--project", "slow"] + fixture.configArguments,
            output: try FileHandle(forWritingTo: waitingLog.write("waiting.out", "")))
        defer { if waiting.isRunning { kill(waiting.processIdentifier, SIGKILL) } }
        func waitingText() -> String {
            (try? String(contentsOf: waitingLog.url.appendingPathComponent("waiting.out"), encoding: .utf8)) ?? ""
        }
        try await waitUntil("the pass for slow to say it waits", detail: { waitingText() }) {
            waitingText().contains("project/slow is busy: steward run (pid \(controller.process.processIdentifier)")
                || !waiting.isRunning
        }
        #expect(waiting.isRunning, "\(waitingText())")
        #expect(controller.process.isRunning)

        FileManager.default.createFile(atPath: go, contents: Data())
        try await controller.waitFor("slow deployed") { await httpGet("http://127.0.0.1:\(slowPort)/health") != nil }
        try await waitUntil("the waiting pass to finish", limit: Patience.base * 3) { !waiting.isRunning }
        #expect(waiting.terminationStatus == 0, "\(waitingText())")
        let runs = try StewardBinary.run(["describe", "project", "slow"] + fixture.stateArguments).stdout
        #expect(runs.components(separatedBy: " deploy succeeded ").count - 1 == 1, "one deploy of slow, not one per process: \(runs)")
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("a graceful stop") { !controller.process.isRunning }
        #expect(controller.process.terminationStatus == 0)
    }

    @Test func sigtermDuringADeployEndsItWithinTheGraceAndTheNextStartConverges() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let go = fixture.state.url.appendingPathComponent("GO").path
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        let slowPort = try await addSlowProject(fixture, go: go, settings: "shutdownGrace: 3s\n")
        try await controller.waitFor("the slow deploy to start") {
            controller.text.contains("Start the app under the supervisor") && controller.text.contains("project=slow")
        }
        let signalled = ContinuousClock.now
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("the controller to stop") { !controller.process.isRunning }
        let stoppedAfter = ContinuousClock.now - signalled
        #expect(controller.process.terminationStatus == 0, "\(controller.text)")
        #expect(stoppedAfter < .seconds(3) + Patience.base, "the grace is 3 s: \(stoppedAfter)")
        #expect(controller.text.contains("waiting up to 3 s"), "\(controller.text)")
        #expect(controller.text.contains("work in progress was ended and is redone on the next start"), "\(controller.text)")
        let described = try StewardBinary.run(["describe", "project", "slow"] + fixture.stateArguments)
        #expect(described.stdout.contains(" deploy interrupted "), "\(described.stdout)")
        #expect(described.stdout.contains("Phase:") && described.stdout.contains("deploying"), "\(described.stdout)")
        #expect(!described.stdout.contains("deploy_failed"), "a shutdown is no incident: \(described.stdout)")
        #expect(ProcessTable.processes(withArgument: fixture.state.path + "/runs/").isEmpty,
            "no Ansible run outlives the controller")

        FileManager.default.createFile(atPath: go, contents: Data())
        let next = try StewardBinary.run(["run", "--max-passes", "1", "--listen", "127.0.0.1:0"] + fixture.configArguments)
        #expect(next.status == 0, "\(next.stderr)")
        #expect(await httpGet("http://127.0.0.1:\(slowPort)/health") != nil)
        let converged = try fixture.reconcile()
        #expect(converged.status == 0, "\(converged.stdout)")
    }
}
