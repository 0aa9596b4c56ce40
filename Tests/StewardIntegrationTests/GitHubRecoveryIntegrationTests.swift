import Foundation
import StewardTestSupport
import Testing

/// `steward fix` for a project whose repo was deleted on GitHub (the fake: REST and git smart HTTP on loopback):
/// re-linked when GitHub has it again, else re-created once and refilled with the deployed commit's history,
/// from the mirror or from Steward's bundle (scaffolded with neither), pushed with the token given to libgit2 only.
@Suite(.serialized)
struct GitHubRecoveryIntegrationTests {
    struct IncidentJSON: Decodable {
        var id: Int64?
        var kind: String
        var objectName: String
        var status: String
    }

    @Test func aRepoDeletedOnGitHubIsRelinkedWhenBackElseRecreatedOnceWithItsHistory() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await GitHubForgeFixture()
        defer { fixture.stopApps() }
        let files = try GitHubForgeFixture.quickstartApp()
        try await fixture.server.pushCommit(owner: "acme", name: "hello", files: files, message: "hello app")
        let deployed = try await fixture.server.pushCommit(owner: "acme", name: "hello",
            files: ["app.py": files["app.py"]!.replacingOccurrences(of: "VERSION = \"1\"", with: "VERSION = \"2\"")], message: "version 2")
        try fixture.writeHelloManifest()
        try await fixture.config.commit("hello from GitHub")
        let first = try fixture.reconcile()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"2\"") == true)

        let environment = ["ACME_TOKEN": fixture.token]
        func steward(_ arguments: [String]) throws -> StewardBinary.Result {
            let result = try StewardBinary.run(arguments + ["--config-repo", fixture.config.bare] + fixture.stateArguments,
                environment: environment)
            #expect(!result.stdout.contains(fixture.token) && !result.stderr.contains(fixture.token))
            return result
        }
        func incident() throws -> IncidentJSON? {
            let output = try StewardBinary.run(["get", "incidents", "-o", "json"] + fixture.stateArguments).stdout
            return try JSONDecoder().decode([IncidentJSON].self, from: Data(output.utf8)).filter { $0.kind == "repo_missing" }
                .max { ($0.id ?? 0) < ($1.id ?? 0) }
        }
        func creates() -> Int {
            fixture.server.requests(matching: { $0.method == "POST" && $0.path.hasSuffix("/repos") }).count
        }
        /// Deletes acme/hello on the fake (its git data too); the forge sync opens repo_missing.
        func deleteOnGitHub() throws {
            #expect(fixture.server.removeRepository(owner: "acme", name: "hello"))
            let sync = try steward(["sync", "forge", "--once"])
            #expect(sync.stdout.contains("missing 1"), "\(sync.stdout)\n\(sync.stderr)")
            #expect(try incident()?.status == "detected")
            #expect(try fixture.describe("hello").contains("Phase:         missing"))
        }
        func fakeGit(_ arguments: [String]) async throws -> String {
            let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "hello")).path
            return try await run(["git", "--git-dir", bare] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        _ = try steward(["sync", "forge", "--once"])
        let original = try #require(fixture.server.repository(owner: "acme", name: "hello"))
        await #expect(try fakeGit(["rev-list", "--count", "main"]) == "2")

        // 1. Deleted, then restored on GitHub (same id, same git data): `fix` re-links it and creates nothing.
        let saved = try TemporaryDirectory(prefix: "saved-git")
        let savedGit = saved.url.appendingPathComponent("hello.git")
        try FileManager.default.copyItem(at: try #require(try fixture.server.gitDirectory(owner: "acme", name: "hello")), to: savedGit)
        try deleteOnGitHub()
        try fixture.server.addRepository(owner: "acme", name: "hello", id: original.id, isPrivate: original.isPrivate)
        let restoredGit = try #require(try fixture.server.gitDirectory(owner: "acme", name: "hello"))
        try FileManager.default.removeItem(at: restoredGit)
        try FileManager.default.copyItem(at: savedGit, to: restoredGit)
        let relinked = try steward(["fix", "hello"])
        #expect(relinked.status == 0, "\(relinked.stdout)\n\(relinked.stderr)")
        #expect(relinked.stdout.contains("relink acme/hello: ok"), "\(relinked.stdout)")
        #expect(!relinked.stdout.contains("recreate repo"), "\(relinked.stdout)")
        #expect(creates() == 0)
        #expect(try incident()?.status == "resolved")
        #expect(try fixture.describe("hello").contains("Phase:         active"))

        // 2. Deleted for good, the mirror holds the deployed commit: `fix` re-creates the repo once and pushes
        // the branch at that commit with its history.
        try deleteOnGitHub()
        let recreated = try steward(["fix", "hello"])
        #expect(recreated.status == 0, "\(recreated.stdout)\n\(recreated.stderr)")
        #expect(recreated.stdout.contains("with main at \(deployed.prefix(12)) and its history from its mirror"), "\(recreated.stdout)")
        #expect(creates() == 1)
        let again = try #require(fixture.server.repository(owner: "acme", name: "hello"))
        #expect(again.id != original.id)
        await #expect(try fakeGit(["rev-parse", "main"]) == deployed)
        await #expect(try fakeGit(["rev-list", "--count", "main"]) == "2")
        #expect(try incident()?.status == "resolved")
        #expect(try fixture.describe("hello").contains("Phase:         active"))
        let nothing = try steward(["fix", "hello"])
        #expect(nothing.stdout.contains("nothing to fix"), "\(nothing.stdout)")
        #expect(creates() == 1)
        let unchanged = try fixture.reconcile()
        #expect(unchanged.status == 0, "\(unchanged.stdout)\n\(unchanged.stderr)")
        #expect(unchanged.stdout.contains("0 actions, 0 ansible-playbook runs"), "\(unchanged.stdout)")

        // 3. Deleted again and the mirror is lost too: the history comes from Steward's bundle of the commit.
        try deleteOnGitHub()
        try FileManager.default.removeItem(at: fixture.state.url.appendingPathComponent("mirrors/acme/hello.git"))
        let fromBundle = try steward(["fix", "hello"])
        #expect(fromBundle.status == 0, "\(fromBundle.stdout)\n\(fromBundle.stderr)")
        #expect(fromBundle.stdout.contains("and its history from Steward's bundle"), "\(fromBundle.stdout)")
        #expect(creates() == 2)
        await #expect(try fakeGit(["rev-parse", "main"]) == deployed)
        await #expect(try fakeGit(["rev-list", "--count", "main"]) == "2")
        #expect(try incident()?.status == "resolved")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"2\"") == true)

        // 4. Deleted again with neither the mirror nor the bundle: re-created empty, never filled with Steward's
        // template (the repo is a person's: a person pushed its app), and the step fails saying so.
        try deleteOnGitHub()
        try FileManager.default.removeItem(at: fixture.state.url.appendingPathComponent("mirrors/acme/hello.git"))
        try FileManager.default.removeItem(at: fixture.state.url.appendingPathComponent("bundles/\(deployed).bundle"))
        let lost = try steward(["fix", "hello"])
        #expect(lost.status != 0, "\(lost.stdout)\n\(lost.stderr)")
        #expect((lost.stdout + lost.stderr).contains("Steward does not fill it with a template"), "\(lost.stdout)\n\(lost.stderr)")
        #expect(creates() == 3)
        await #expect(try fakeGit(["for-each-ref"]).isEmpty)
        #expect(try incident()?.status != "resolved")

        let leaks = try await fixture.filesHoldingTheToken()
        #expect(leaks.isEmpty, "\(leaks)")
    }
}
