import Foundation
import StewardAgents
import StewardCore
import StewardGit
import StewardModel
import StewardTestSupport
import Testing

/// Steward never rewrites what a person wrote: in a repo it did not create, the agents commit only to their
/// proposal branch, a person is asked to merge it, and the thread continues on the merge (docs/ARCHITECTURE.md §5).
struct ProposalGraphTests {
    /// A repo a person made, with a README and no app: nothing Steward may push to.
    private func personsRepo(_ fixture: AgentFixture) async throws -> ForgeRepository {
        let repository = try await fixture.forge.createRepository(owner: "acme", name: "shop", isPrivate: true, description: nil)
        let work = fixture.directory.url.appendingPathComponent("seed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try Data("# the shop, by a person\n".utf8).write(to: work.appendingPathComponent("README.md"))
        _ = try await LocalRepoWorkspace().commit(repository, branch: "main", base: nil, from: work, message: "a person's start")
        return repository
    }

    private func git(_ fixture: AgentFixture, _ arguments: [String]) async throws -> String {
        try await run(["git", "--git-dir", fixture.directory.url.appendingPathComponent("forge/acme/shop.git").path] + arguments)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func agentChangesToAPersonsRepoWaitOnABranchUntilItIsMerged() async throws {
        let fixture = try AgentFixture()
        _ = try await personsRepo(fixture)
        let manifest = AgentFixture.manifest(stage: .verified)
        await fixture.register(manifest)
        let main = try await git(fixture, ["rev-parse", "main"])

        let outcome = try await fixture.runner().advance(fixture.request(manifest, server: nil))
        guard case .waiting(let question) = outcome else { Issue.record("not waiting: \(outcome)"); return }
        #expect(question.contains("branch steward/1-shop (merge it into main)"), "\(question)")
        // main is exactly as the person left it; the design is on the branch, on top of main.
        #expect(try await git(fixture, ["rev-parse", "main"]) == main)
        #expect(try await fixture.files() == ["README.md": "# the shop, by a person\n"])
        #expect(try await git(fixture, ["rev-parse", "steward/1-shop~1"]) == main)
        #expect(try await git(fixture, ["ls-tree", "-r", "--name-only", "steward/1-shop"]).contains("docs/DESIGN.md"))
        var record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.repoOrigin == .adopted)
        #expect(record.proposal?.branch == "steward/1-shop" && record.proposal?.baseCommit == main && record.proposal?.url == nil)
        #expect(try await fixture.events("ChangeProposed").count == 1)

        // Asked again without an answer (the next pass, nothing merged): still waiting, nothing proposed twice.
        guard case .waiting = try await fixture.runner().advance(fixture.request(manifest, server: nil)) else {
            Issue.record("not waiting"); return
        }
        #expect(try await fixture.events("ChangeProposed").count == 1)

        // A person merges (main moves); the reconciler answers for them and the thread finishes.
        _ = try await git(fixture, ["update-ref", "refs/heads/main", "refs/heads/steward/1-shop"])
        let merged = try await fixture.runner().advance(fixture.request(manifest, server: nil, answer: "merged: main moved"))
        guard case .completed = merged else { Issue.record("not completed: \(merged)"); return }
        record = try #require(await fixture.store.project(named: "shop"))
        #expect(record.proposal == nil)
        #expect(try await fixture.events("ProposalAnswered").first?.message.contains("merged: main moved") == true)
        #expect(try await fixture.files()["docs/DESIGN.md"] != nil)
    }

    @Test func writeDirectOptsAPersonsRepoIntoPushes() async throws {
        let fixture = try AgentFixture()
        _ = try await personsRepo(fixture)
        var manifest = AgentFixture.manifest(stage: .designed)
        manifest.spec.agents = ProjectSpec.Agents(write: .direct)
        await fixture.register(manifest)
        #expect(try await fixture.runner().advance(fixture.request(manifest, server: nil)) == .completed("stage designed reached"))
        #expect(try await fixture.files()["docs/DESIGN.md"] != nil)
        #expect(try await fixture.store.project(named: "shop")?.proposal == nil)
        #expect(try await git(fixture, ["branch", "--list", "steward/*"]).isEmpty)
    }

    @Test func aRepoStewardCreatedIsWrittenDirectly() async throws {
        let fixture = try AgentFixture()
        let manifest = AgentFixture.manifest(stage: .designed)
        await fixture.register(manifest)
        #expect(try await fixture.runner().advance(fixture.request(manifest, server: nil)) == .completed("stage designed reached"))
        #expect(try await fixture.store.project(named: "shop")?.repoOrigin == .created)
        #expect(try await fixture.files()["docs/DESIGN.md"] != nil)
        #expect(try await git(fixture, ["branch", "--list", "steward/*"]).isEmpty)
    }
}
