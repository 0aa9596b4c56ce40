import Foundation
import StewardAgents
import StewardCore
import StewardGraph
import StewardModel
import StewardTestSupport
import Testing

/// The whole project graph on real repos (local forge, libgit2 worktrees, python3 checks) and the in-memory
/// checkpointer and store.
struct ProjectGraphTests {
    @Test func aBriefBecomesAVerifiedRepoReadyToDeploy() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest(changes: [.init(id: "about", description: "add endpoint /about returning a tiny shop")])
        await fixture.register(manifest)
        let outcome = try await fixture.runner().advance(fixture.request(manifest))
        #expect(outcome == .completed("ready to deploy"))
        #expect(try await fixture.phase() == .verified)
        #expect(await fixture.forge.creations == 1)
        let files = try await fixture.files()
        #expect(files["Procfile"] == "web: python3 app.py\n")
        #expect(files["docs/DESIGN.md"]?.contains("a tiny shop") == true)
        #expect(files["docs/DESIGN.md"]?.contains("`about`: add endpoint /about") == true)
        #expect(files["routes.json"]?.contains("\"/about\" : \"a tiny shop\"") == true)
        // Scaffold + design, then the change: two commits.
        await #expect(try fixture.commitCount() == 2)
        let phases = try await fixture.events("PhaseChanged").map(\.message).map { $0.components(separatedBy: ":")[0] }
        #expect(phases == [
            "draft -> provisioning", "provisioning -> initialized", "initialized -> designing", "designing -> designed",
            "designed -> implementing", "implementing -> implemented", "implemented -> verifying", "verifying -> verified",
        ])
        let status = try #require(await ProjectThreadStatus.read(checkpointer: fixture.checkpointer, project: "shop", generation: 1))
        #expect(status.zavhoz == .done && status.engineering == .idle && status.server == "local")
        #expect(status.status == "completed")

        // Asked again, a completed thread does nothing: no second repo, no new commit.
        #expect(try await fixture.runner().advance(fixture.request(manifest)) == .completed("ready to deploy"))
        #expect(await fixture.forge.creations == 1)
        await #expect(try fixture.commitCount() == 2)
    }

    @Test func zavhozAndEngineeringRunInOneStepAndPreflightWaitsWithoutAServer() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest()
        await fixture.register(manifest)
        #expect(try await fixture.runner().advance(fixture.request(manifest, server: nil)) == .completed("waiting for resources"))
        let history = try await fixture.checkpointer.history(thread: "project/shop/g1")
        #expect(history.contains { $0.nodes == ["engineering", "zavhoz"] })
        let join = try #require(history.firstIndex { $0.nodes == ["engineering", "zavhoz"] })
        #expect(history[(join + 1)...].contains { $0.nodes == ["preflight"] })
        let status = try #require(await ProjectThreadStatus.read(checkpointer: fixture.checkpointer, project: "shop", generation: 1))
        #expect(status.zavhoz == .working && status.server == nil)
    }

    @Test func zavhozAllocatesThePortsOnThePlacedServerOnceAndTheyStayOnOneServer() async throws {
        let fixture = try AgentFixture()
        var manifest = AgentFixture.manifest("blue", brief: "a blue/green shop")
        manifest.spec.deploy.strategy = .blueGreen
        await fixture.register(manifest)
        // Another project already holds the lowest port of the range: allocations are unique per server.
        _ = try await fixture.store.allocatePorts(project: "other", server: "local", range: 9000...9010, count: 1, preferred: [])
        var request = fixture.request(manifest)
        request.serverPorts = 9000...9010
        #expect(try await fixture.runner().advance(request) == .completed("ready to deploy"))
        let held = try #require(try await fixture.store.portAllocations()["blue"])
        #expect(held == PortAllocation(server: "local", ports: [9001, 9002, 9003]))
        #expect(try await fixture.events("PortsAllocated", "blue").count == 1)

        // Held elsewhere (deployed on another server): Zavhoz leaves the move to the deploy, allocating nothing here.
        let recorder = ProjectRecorder(store: fixture.store)
        await fixture.store.save(project: ProjectRecord(name: "moved", repo: "acme/moved", phase: .active, generation: 1, updatedAt: Date()), events: [])
        _ = try await fixture.store.allocatePorts(project: "moved", server: "web-1", range: 8000...8010, count: 1, preferred: [])
        #expect(try await recorder.allocatePorts("moved", server: "local", range: 9000...9010, count: 1) == nil)
        #expect(try await fixture.store.portAllocations()["moved"] == PortAllocation(server: "web-1", ports: [8000]))
    }

    @Test func stageDesignedStopsAfterTheArchitect() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest(stage: .designed)
        await fixture.register(manifest)
        #expect(try await fixture.runner().advance(fixture.request(manifest, server: nil)) == .completed("stage designed reached"))
        #expect(try await fixture.phase() == .designed)
        #expect(try await fixture.events("TestsPassed").isEmpty)
        let record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.conditions[Condition.ready]?.status == .true && record.conditions[Condition.ready]?.reason == "StageReached")
        let status = try #require(await ProjectThreadStatus.read(checkpointer: fixture.checkpointer, project: "shop", generation: 1))
        #expect(status.zavhoz == .idle)
    }

    @Test func aCrashAfterTheForgeCreatedTheRepoNeverCreatesItTwice() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest()
        await fixture.register(manifest)
        await fixture.forge.failAfterCreate()
        await #expect(throws: (any Error).self) { try await fixture.runner().advance(fixture.request(manifest)) }
        #expect(await fixture.forge.creations == 1)
        // The next pass resumes the failed step: the effect's second attempt looks first and finds the repo.
        #expect(try await fixture.runner().advance(fixture.request(manifest)) == .completed("ready to deploy"))
        #expect(await fixture.forge.creations == 1)
        let found = try await fixture.events("RepoFound")
        #expect(found.count == 1 && found[0].message.contains("an interrupted attempt is not repeated"))
    }

    @Test func aChangeTheBuiltinDeveloperCannotDoAsksAPersonAndResumesAtTheSameNode() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest(changes: [.init(id: "fancy", description: "make it fancy")])
        await fixture.register(manifest)
        let outcome = try await fixture.runner().advance(fixture.request(manifest))
        guard case .waiting(let question) = outcome else { Issue.record("not waiting: \(outcome)"); return }
        #expect(question.contains("cannot implement change fancy (\"make it fancy\")"))
        #expect(try await fixture.phase() == .implementing)
        let waiting = try #require(await ProjectThreadStatus.read(checkpointer: fixture.checkpointer, project: "shop", generation: 1))
        #expect(waiting.engineering == .blocked && waiting.status == "interrupted at engineering")
        let before = try await fixture.checkpointer.history(thread: "project/shop/g1/engineering@1")
        #expect(before.last?.nodes == ["developer"])

        // Without an answer nothing moves; a new runner (as a new process would) resumes with the answer.
        #expect(try await fixture.runner().advance(fixture.request(manifest)) == .waiting(question: question))
        let resumed = try await fixture.runner().advance(fixture.request(manifest, answer: "add endpoint /fancy returning fancy"))
        #expect(resumed == .completed("ready to deploy"))
        #expect(try await fixture.files()["routes.json"]?.contains("\"/fancy\" : \"fancy\"") == true)
        // The architect ran once: its step was not repeated by the resume.
        let after = try await fixture.checkpointer.history(thread: "project/shop/g1/engineering@1")
        #expect(after.filter { $0.nodes == ["architect"] }.count == 1)
        #expect(await fixture.forge.creations == 1)
    }
}
