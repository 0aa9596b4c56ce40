import Foundation
import StewardAgents
import StewardCore
import StewardGit
import StewardGraph
import StewardModel
import StewardTestSupport
import Testing

/// A maintenance thread on a real repo (local forge, libgit2 worktrees, python3 checks): only the new change
/// request is engineered, the repo is neither created nor scaffolded again, and the record says what is done.
struct MaintenanceGraphTests {
    static let about = ProjectSpec.Change(id: "about", description: "add endpoint /about returning a tiny shop")
    static let stats = ProjectSpec.Change(id: "stats", description: "add endpoint /stats returning ok")

    /// Builds the project as the first thread does, then marks it deployed (what the reconciler's deploy does).
    private func deployedShop(_ fixture: AgentFixture) async throws {
        let first = AgentFixture.manifest(changes: [Self.about])
        await fixture.register(first)
        #expect(try await fixture.runner().advance(fixture.request(first)) == .completed("ready to deploy"))
        var record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.implementedChanges == ["about"])
        #expect(record.engineeringStatus == .idle && record.zavhozStatus == .done)
        record.phase = .maintenance
        record.generation = 2
        await fixture.store.save(project: record, events: [])
    }

    private func maintenanceRequest(_ manifest: ProjectManifest, answer: String? = nil) -> EngineeringRequest {
        EngineeringRequest(
            project: manifest, generation: 2, server: "local", settings: Settings(), answer: answer, implemented: ["about"],
            maintenance: true)
    }

    @Test func onlyTheNewChangeIsEngineeredAndRecorded() async throws {
        let fixture = try AgentFixture()
        try await deployedShop(fixture)
        let phasesBefore = try await fixture.events("PhaseChanged").count
        let manifest = AgentFixture.manifest(changes: [Self.about, Self.stats])
        #expect(try await fixture.runner().advance(maintenanceRequest(manifest)) == .completed("ready to deploy"))

        let record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.phase == .verified)
        #expect(record.implementedChanges == ["about", "stats"])
        #expect(record.engineeringStatus == .idle && record.zavhozStatus == .done)
        // One more commit (the change), no new repo, no scaffold, no redesign.
        #expect(await fixture.forge.creations == 1)
        await #expect(try fixture.commitCount() == 3)
        let files = try await fixture.files()
        #expect(files["routes.json"]?.contains("\"/stats\" : \"ok\"") == true)
        #expect(files["routes.json"]?.contains("\"/about\"") == true)
        let log = try await run(["git", "--git-dir", fixture.directory.url.appendingPathComponent("forge/acme/shop.git").path, "log", "-1", "--format=%B"])
        #expect(log.contains("Steward-Change-Requests: stats"), "\(log)")
        #expect(!log.contains("about"), "\(log)")
        let phases = try await fixture.events("PhaseChanged").dropFirst(phasesBefore).map { $0.message.components(separatedBy: ":")[0] }
        #expect(phases == ["maintenance -> implementing", "implementing -> implemented", "implemented -> verifying", "verifying -> verified"])
        #expect(try await fixture.events("MaintenancePlanned").count == 1)
        #expect(try await fixture.events("RepoFound").isEmpty)
    }

    @Test func aChangeTheBuiltinDeveloperCannotDoWaitsBlockedAndTheAnswerResumesIt() async throws {
        let fixture = try AgentFixture()
        try await deployedShop(fixture)
        let manifest = AgentFixture.manifest(changes: [Self.about, .init(id: "sparkle", description: "make it sparkle")])
        let outcome = try await fixture.runner().advance(maintenanceRequest(manifest))
        guard case .waiting(let question) = outcome else { Issue.record("not waiting: \(outcome)"); return }
        #expect(question.contains("cannot implement change sparkle"))
        var record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.phase == .implementing && record.implementedChanges == ["about"])
        #expect(record.engineeringStatus == .blocked)

        let resumed = try await fixture.runner().advance(maintenanceRequest(manifest, answer: "add endpoint /sparkle returning sparkles"))
        #expect(resumed == .completed("ready to deploy"))
        record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.phase == .verified && record.implementedChanges == ["about", "sparkle"])
        #expect(record.engineeringStatus == .idle)
        #expect(try await fixture.files()["routes.json"]?.contains("\"/sparkle\" : \"sparkles\"") == true)
    }

    @Test func aRepoNotMadeFromTheTemplateIsNotChangedBehindAPersonsBack() async throws {
        let fixture = try AgentFixture()
        let repository = try await fixture.forge.createRepository(owner: "acme", name: "shop", isPrivate: true, description: nil)
        let work = fixture.directory.url.appendingPathComponent("seed")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try Data("print('hello')\n".utf8).write(to: work.appendingPathComponent("app.py"))
        _ = try await LocalRepoWorkspace().commit(repository, branch: "main", from: work, message: "an app of its own")
        let manifest = AgentFixture.manifest(changes: [Self.stats])
        await fixture.store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", phase: .maintenance, generation: 2, updatedAt: Date()), events: [])
        let outcome = try await fixture.runner().advance(EngineeringRequest(
            project: manifest, generation: 2, server: "local", settings: Settings(), maintenance: true))
        guard case .waiting(let question) = outcome else { Issue.record("not waiting: \(outcome)"); return }
        #expect(question.contains("has no routes.json"))
        await #expect(try fixture.commitCount() == 1)
    }
}
