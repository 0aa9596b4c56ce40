import Foundation
@testable import StewardAgents
import StewardCore
import StewardGraph
import StewardModel
import StewardTestSupport
import Testing

/// The Developer ⇄ Tester loop with the `command` backend: real programs in real worktrees.
struct EngineeringLoopTests {
    private func commandDeveloper(_ fixture: AgentFixture, _ script: String) throws -> CommandDeveloper {
        let path = try fixture.directory.write("developer.sh", script)
        return CommandDeveloper(
            command: "sh \(path.path)", timeout: .seconds(60), taskDirectory: fixture.directory.url.appendingPathComponent("tasks"))
    }

    @Test func failingChecksGoBackToTheDeveloperAndBlockAfterThreeRuns() async throws {
        let fixture = try AgentFixture()
        // A developer that breaks the checks every time, counting its runs.
        let developer = try commandDeveloper(fixture, """
            echo run >> \(fixture.directory.path)/runs
            printf 'import unittest\\nclass T(unittest.TestCase):\\n    def test_broken(self):\\n        self.fail("broken on purpose")\\n' > test_broken.py
            """)
        let manifest = AgentFixture.manifest()
        await fixture.register(manifest)
        let outcome = try await fixture.runner(developer: developer).advance(fixture.request(manifest))
        guard case .waiting(let question) = outcome else { Issue.record("not waiting: \(outcome)"); return }
        #expect(question.contains("failed 3 times in a row"))
        #expect(question.contains("broken on purpose"))
        #expect(try String(contentsOfFile: fixture.directory.path + "/runs", encoding: .utf8).split(separator: "\n").count == 3)
        #expect(try await fixture.events("TestsFailed").count == 3)
        let status = try #require(await ProjectThreadStatus.read(checkpointer: fixture.checkpointer, project: "shop", generation: 1))
        #expect(status.engineering == .blocked)
        #expect(try await fixture.phase() == .verifying)
    }

    @Test func aRepoWithoutChecksIsAWarningAndVerifiedUnknownNotAFailure() async throws {
        let fixture = try AgentFixture()
        // A developer that leaves the repo without any check the Tester knows.
        let developer = try commandDeveloper(fixture, "rm -f test_*.py Makefile; echo run >> \(fixture.directory.path)/runs\n")
        let manifest = AgentFixture.manifest()
        await fixture.register(manifest)
        let outcome = try await fixture.runner(developer: developer).advance(fixture.request(manifest))
        #expect(outcome == .completed("ready to deploy"))
        // One developer run: "no checks" never sends the Developer in again.
        #expect(try String(contentsOfFile: fixture.directory.path + "/runs", encoding: .utf8).split(separator: "\n").count == 1)
        #expect(try await fixture.events("NoChecks").count == 1)
        #expect(try await fixture.events("TestsFailed").isEmpty)
        let record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.phase == .verified)
        #expect(record.conditions[Condition.verified]?.status == .unknown)
        #expect(record.conditions[Condition.verified]?.reason == "NoChecks")
    }

    @Test func needsInputInterruptsAndTheAnswerReachesTheProgram() async throws {
        let fixture = try AgentFixture()
        let developer = try commandDeveloper(fixture, """
            python3 - <<'PY'
            import json, os
            task = json.load(open(os.environ["STEWARD_TASK_FILE"]))
            if not task["answers"]:
                print("NEEDS_INPUT: which greeting?")
            else:
                open("greeting.txt", "w").write(task["answers"][0])
            PY
            """)
        let manifest = AgentFixture.manifest(changes: [.init(id: "greet", description: "greet people")])
        await fixture.register(manifest)
        #expect(try await fixture.runner(developer: developer).advance(fixture.request(manifest)) == .waiting(question: "which greeting?"))
        let done = try await fixture.runner(developer: developer).advance(fixture.request(manifest, answer: "bonjour"))
        #expect(done == .completed("ready to deploy"))
        #expect(try await fixture.files()["greeting.txt"] == "bonjour")
    }

    @Test func aFailingProgramFailsTheStepWithItsOutput() async throws {
        let fixture = try AgentFixture()
        let developer = try commandDeveloper(fixture, "echo 'cannot reach the model' >&2; exit 3\n")
        let manifest = AgentFixture.manifest()
        await fixture.register(manifest)
        let error = await #expect(throws: (any Error).self) { try await fixture.runner(developer: developer).advance(fixture.request(manifest)) }
        #expect("\(error!)".contains("exited 3"))
        #expect("\(error!)".contains("cannot reach the model"))
    }
}

/// The pieces on their own.
struct AgentPartsTests {
    @Test func builtinDeveloperUnderstandsOnlyRoutes() {
        func route(_ text: String) -> String? { BuiltinDeveloper.route(in: text).map { "\($0.path)=\($0.text)" } }
        #expect(route("add endpoint /about returning \"a shop\"") == "/about=a shop")
        #expect(route("Add route /v1/x returns ok") == "/v1/x=ok")
        #expect(route("make it fancy") == nil)
        #expect(route("add endpoint about returning x") == nil)
    }

    @Test func testerDetectsChecksAndReportsTheirAbsenceAsNoChecksNotAFailure() async throws {
        let directory = try TemporaryDirectory()
        let tester = Tester(timeout: .seconds(60))
        #expect(tester.detect(in: directory.url) == nil)
        let none = try await tester.test(directory.url)
        #expect(none.passed && none.noChecks == true && none.output.contains("no checks found"))
        try directory.write("Makefile", "test:\n\t@echo checked\n")
        #expect(tester.detect(in: directory.url) == ["make", "test"])
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("Makefile"))
        try directory.write("test_x.py", "import unittest\nclass T(unittest.TestCase):\n    def test_ok(self):\n        pass\n")
        let report = try await tester.test(directory.url)
        #expect(report.passed && report.command == "python3 -m unittest discover -v")
    }

    @Test func aCheckThatHangsIsKilledAtItsTimeout() async throws {
        let directory = try TemporaryDirectory()
        // The check starts a sleeper that would outlive any test and records its pid; the timeout must kill it.
        try directory.write("Makefile", "test:\n\tsleep 86400 & echo $$! > sleeper.pid; wait\n")
        let report = try await Tester(timeout: .seconds(1)).test(directory.url)
        #expect(!report.passed && report.output.hasPrefix("timed out"))
        let pidText = try String(contentsOf: directory.url.appendingPathComponent("sleeper.pid"), encoding: .utf8)
        let sleeper = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        try await waitUntil("the check's sleeper (pid \(sleeper)) to be killed") { !ProcessTable.isAlive(sleeper) }
    }
}
