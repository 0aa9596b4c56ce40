import Foundation
import StewardTestSupport
import Testing

/// A config repo whose Project has a brief and no repo yet, a local server on a private port, the local forge
/// under the state dir: the engineering agents end to end with the built binary.
final class EngineeringFixture: @unchecked Sendable {
    let config: GitFixture
    let state: TemporaryDirectory
    let port: Int

    /// - Parameter ports: how many ports the local server offers from `port` on (blue/green needs 3).
    init(changes: String = "", agents: String = "agents: {backend: builtin}", ports: Int = 1) async throws {
        config = try await GitFixture()
        state = try TemporaryDirectory(prefix: "steward-state")
        port = try freePort()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: local, path: forge}
            \(agents)
            """)
        try config.write("manifests/local.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 512, ports: "\(port)-\(port + ports - 1)"}}
            """)
        try config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec:
              repo: acme/shop
              brief: "A tiny shop front."
              stage: active
            \(changes)
            """)
        try await config.commit("a project with a brief and no repo")
    }

    var stateArguments: [String] { ["--state-dir", state.path] }
    var configArguments: [String] { ["--config-repo", config.bare, "--state-dir", state.path] }
    var bareRepo: String { state.path + "/forge/acme/shop.git" }

    func reconcile() throws -> StewardBinary.Result {
        try StewardBinary.run(["reconcile", "--once"] + configArguments)
    }

    func describe() throws -> String {
        try StewardBinary.run(["describe", "project", "shop"] + stateArguments).stdout
    }

    func commitCount() async throws -> Int {
        Int(try await run(["git", "--git-dir", bareRepo, "rev-list", "--count", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// How many events of `reason` describe lists (its last 20).
    func eventCount(_ text: String) throws -> Int {
        try describe().components(separatedBy: "\n").filter { $0.contains(text) }.count
    }

    /// Stops the app, blue/green slots and the state dir's nginx, whatever the test did.
    func stopApps() {
        for pidFile in ["apps/shop/supervisor.pid", "apps/shop/slots/blue/supervisor.pid", "apps/shop/slots/green/supervisor.pid", "nginx/nginx.pid"] {
            killSupervisedApp(pidFile: state.path + "/" + pidFile)
        }
    }

    deinit { stopApps() }
}

@Suite(.serialized)
struct EngineeringIntegrationTests {
    @Test func aBriefBecomesARunningServiceAndASecondRunCreatesNothing() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture(changes: "  changes:\n    - {id: about, description: \"add endpoint /about returning a tiny shop\"}")
        defer { fixture.stopApps() }

        let first = try fixture.reconcile()
        #expect(first.status == 2, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("pending: Project/shop: verified"))
        #expect(first.stderr.contains("nodes=engineering,zavhoz"))
        #expect(FileManager.default.fileExists(atPath: fixture.bareRepo))
        let second = try fixture.reconcile()
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("1 ansible-playbook runs"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/about")?.contains("a tiny shop") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("shop") == true)

        let third = try fixture.reconcile()
        #expect(third.status == 0)
        #expect(third.stdout.contains("0 actions, 0 ansible-playbook runs"))
        await #expect(try fixture.commitCount() == 2)
        let describe = try fixture.describe()
        #expect(describe.contains("Phase:         active"))
        #expect(describe.contains("Engineering:   idle (zavhoz done, server local); thread project/shop/g1 completed"))
        #expect(try fixture.eventCount("RepoCreated") == 1)
        #expect(try fixture.eventCount("TestsPassed") == 1)

        // steward history: the thread's checkpoints, and its state at any of them.
        let history = try StewardBinary.run(["history", "shop"] + fixture.stateArguments)
        #expect(history.status == 0, "\(history.stdout)\n\(history.stderr)")
        #expect(history.stdout.contains("thread project/shop/g1:"))
        #expect(history.stdout.contains("SEQ   STEP"))
        #expect(history.stdout.contains("engineering,zavhoz"))
        let lines = history.stdout.split(separator: "\n").dropFirst(2)
        let last = try #require(lines.last.flatMap { Int($0.split(separator: " ")[0]) })
        let start = try StewardBinary.run(["history", "shop", "--at", "0"] + fixture.stateArguments)
        #expect(start.status == 0)
        #expect(start.stdout.contains("\"engineered\" : false"), "\(start.stdout)")
        let end = try StewardBinary.run(["history", "shop", "--at", "\(last)"] + fixture.stateArguments)
        #expect(end.stdout.contains("\"engineered\" : true"), "\(end.stdout)")
        #expect(end.stdout.contains("\"zavhozStatus\" : \"done\""))
        let missing = try StewardBinary.run(["history", "shop", "--at", "\(last + 100)"] + fixture.stateArguments)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("has no checkpoint \(last + 100)"))
    }

    @Test func aControllerKilledMidGraphNeverCreatesTheRepoTwice() async throws {
        let marker = try TemporaryDirectory(prefix: "developer")
        // The first run of the developer program says it started and hangs; later runs do nothing and succeed.
        let script = try marker.write("developer.sh", """
            if [ ! -e \(marker.path)/started ]; then echo $$ > \(marker.path)/started; sleep 120; fi
            exit 0
            """)
        let fixture = try await EngineeringFixture(agents: "agents: {backend: command, command: \"sh \(script.path)\"}")
        defer { fixture.stopApps() }
        let process = try StewardBinary.start(["reconcile", "--once"] + fixture.configArguments)
        try await waitUntil("the developer program to start") { FileManager.default.fileExists(atPath: marker.path + "/started") }
        // kill -9 in the Developer's step: the repo exists, the architect's effects are recorded.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if let text = try? String(contentsOfFile: marker.path + "/started", encoding: .utf8), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        await #expect(try fixture.commitCount() == 1)

        let rerun = try fixture.reconcile()
        #expect(rerun.status == 2, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("pending: Project/shop: verified"))
        // The resumed thread went on from the developer: no second creation, no second scaffold.
        #expect(try fixture.eventCount("RepoCreated") == 1)
        #expect(try fixture.eventCount("RepoFound") == 0)
        #expect(try fixture.eventCount("draft -> provisioning") == 1)
        await #expect(try fixture.commitCount() == 1)
    }

    @Test func aQuestionWaitsAcrossProcessesAndTheAnswerResumesAtTheSameNode() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture(changes: "  changes:\n    - {id: sparkle, description: \"make it sparkle\"}")
        defer { fixture.stopApps() }

        let asked = try fixture.reconcile()
        #expect(asked.status == 2, "\(asked.stdout)\n\(asked.stderr)")
        #expect(asked.stdout.contains("pending: Project/shop: implementing: The builtin developer cannot implement change sparkle"))
        // Asking again (a new process) changes nothing while nobody answered.
        let again = try fixture.reconcile()
        #expect(again.status == 2)
        var describe = try fixture.describe()
        // Zavhoz finished in the same step, but a step's writes land together once every node of it has ended.
        #expect(describe.contains("Engineering:   blocked (zavhoz working); thread project/shop/g1 interrupted at engineering"))
        #expect(describe.contains("Question:      The builtin developer cannot implement change sparkle"))
        #expect(try fixture.eventCount("Warning  WaitingForAnswer") == 1)

        let answered = try StewardBinary.run(
            ["answer", "shop", "add endpoint /sparkle returning sparkles"] + fixture.configArguments)
        #expect(answered.status == 2, "\(answered.stdout)\n\(answered.stderr)")
        #expect(answered.stdout.contains("pending: Project/shop: verified"))
        // Resumed at the developer: the architect's phases happened once.
        #expect(try fixture.eventCount("initialized -> designing") == 1)
        #expect(try fixture.eventCount("designed -> implementing") == 1)

        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/sparkle")?.contains("sparkles") == true)
        describe = try fixture.describe()
        #expect(describe.contains("Phase:         active"))

        let notWaiting = try StewardBinary.run(["answer", "shop", "anything"] + fixture.configArguments)
        #expect(notWaiting.status == 1)
        #expect(notWaiting.stderr.contains("project shop is not waiting for an answer"))
    }

    @Test func anAnswerGivenBesideARunningControllerResumesTheThreadAndTheControllerDeploysIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture(changes: "  changes:\n    - {id: sparkle, description: \"make it sparkle\"}")
        defer { fixture.stopApps() }
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        try await controller.waitFor("the agents' question") {
            (try? fixture.describe().contains("Question:      The builtin developer cannot implement change sparkle")) == true
        }
        // The controller keeps planning the waiting project; `answer` takes its key beside it (waiting if busy).
        let answered = try StewardBinary.run(
            ["answer", "shop", "add endpoint /sparkle returning sparkles"] + fixture.configArguments)
        #expect([0, 2].contains(answered.status), "\(answered.stdout)\n\(answered.stderr)")
        #expect(answered.stderr.contains("acting beside it"), "\(answered.stderr)")
        try await controller.waitFor("the controller to deploy the answered change") {
            await httpGet("http://127.0.0.1:\(fixture.port)/sparkle")?.contains("sparkles") == true
        }
        #expect(try fixture.eventCount("initialized -> designing") == 1, "the thread resumed, not restarted")
        #expect(try fixture.eventCount("Warning  WaitingForAnswer") == 1)
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("a graceful stop") { !controller.process.isRunning }
        #expect(controller.process.terminationStatus == 0)
    }
}
