import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardGit

struct LocalForgeTests {
    /// A forge directory holding acme/app.git, pushed to from a fixture's work tree.
    final class Forge: @unchecked Sendable {
        let fixture: GitFixture
        let forge: LocalForge
        let repository: String
        let first: String
        let second: String

        init() async throws {
            fixture = try await GitFixture()
            let root = fixture.root.url.appendingPathComponent("forge")
            repository = root.appendingPathComponent("acme/app.git").path
            try await run(["git", "init", "-q", "--bare", "-b", "main", repository])
            try await fixture.git("remote", "set-url", "origin", repository)
            try fixture.write("app.py", "print('v1')\n")
            first = try await fixture.commit("first")
            try await fixture.git("tag", "-a", "v1.0", "-m", "release")
            try await fixture.git("push", "-q", "origin", "refs/tags/v1.0")
            try fixture.write("app.py", "print('v2')\n")
            second = try await fixture.commit("second", branch: "dev")
            forge = LocalForge(root: root)
        }
    }

    @Test func missingRepositoryIsNil() async throws {
        let forge = try await Forge()
        #expect(try await forge.forge.resolve(repo: "acme/other", ref: "main") == nil)
        #expect(try await forge.forge.resolve(repo: "nobody/app", ref: "main") == nil)
    }

    @Test func resolvesBranchesTagsAndCommits() async throws {
        let forge = try await Forge()
        let cloneURL = "file://\(forge.repository)"
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "main") == ResolvedRepo(cloneURL: cloneURL, commit: forge.first))
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "dev")?.commit == forge.second)
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "refs/heads/dev")?.commit == forge.second)
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "v1.0")?.commit == forge.first)
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: forge.second)?.commit == forge.second)
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: String(forge.second.prefix(8)))?.commit == forge.second)
    }

    @Test func seesPushesWithoutReopening() async throws {
        let forge = try await Forge()
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "main")?.commit == forge.first)
        let third = try await forge.fixture.commit("third")
        #expect(try await forge.forge.resolve(repo: "acme/app", ref: "main")?.commit == third)
    }

    @Test func relativeRootGivesAnAbsoluteCloneURL() async throws {
        let forge = LocalForge(root: URL(fileURLWithPath: "forge-dir"))
        let expected = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("forge-dir").path
        #expect(forge.root.path == expected)
        #expect(try forge.repositoryDirectory(for: "acme/app").path == expected + "/acme/app.git")
    }

    @Test func unknownRefIsAnError() async throws {
        let forge = try await Forge()
        let error = try await #require(throws: GitError.self) { try await forge.forge.resolve(repo: "acme/app", ref: "nope") }
        #expect(error.code == .unknownReference)
        #expect(error.description.contains("'nope'"))
        #expect(error.description.contains("acme/app"))
    }

    @Test func directoryThatIsNoRepositoryIsAnError() async throws {
        let forge = try await Forge()
        try FileManager.default.createDirectory(
            at: forge.forge.root.appendingPathComponent("acme/junk.git"),
            withIntermediateDirectories: true
        )
        let error = try await #require(throws: GitError.self) { try await forge.forge.resolve(repo: "acme/junk", ref: "main") }
        #expect(error.code == .library)
    }

    @Test(arguments: [
        "app", "acme/app/extra", "/acme/app", "acme/", "/app", "../app", "acme/..", "acme/.", "acme/a..b",
        "acme/app name", "acme\\app", "acme/ápp", "acme/" + String(repeating: "x", count: 101), "",
    ])
    func badRepositoryNamesAreRejected(name: String) async throws {
        let forge = LocalForge(root: URL(fileURLWithPath: "/nonexistent-forge"))
        let error = try await #require(throws: GitError.self) { try await forge.resolve(repo: name, ref: "main") }
        #expect(error.code == .invalidRepositoryName)
        #expect(error.description.contains("owner/name"))
    }

    @Test(arguments: ["acme/app", "Acme-Inc/my_app.v2", "acme/.github", "a/b"])
    func safeRepositoryNamesAreAccepted(name: String) throws {
        let forge = LocalForge(root: URL(fileURLWithPath: "/srv/forge"))
        let directory = try forge.repositoryDirectory(for: name)
        #expect(directory.path == "/srv/forge/\(name).git")
    }
}
