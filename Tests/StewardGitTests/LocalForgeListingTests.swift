import Foundation
import StewardCore
import StewardGit
import StewardTestSupport
import Testing

/// The local forge as a `Forge`: ids, listing, lookups and creation on real bare repos.
struct LocalForgeListingTests {
    @Test func idsAreAssignedOnceKeptAndNeverReused() async throws {
        let root = try TemporaryDirectory(prefix: "forge")
        let forge = LocalForge(root: root.url)
        _ = try await forge.createRepository(owner: "acme", name: "web", isPrivate: true, description: "the site")
        try await run(["git", "init", "-q", "--bare", root.path + "/acme/api.git"])
        let first = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(first.count == 1)
        let ids = Dictionary(uniqueKeysWithValues: first[0].repositories.map { ($0.name, $0.id) })
        #expect(ids == ["web": 1, "api": 2])
        #expect(first[0].repositories.map(\.name) == ["api", "web"])

        let again = try await LocalForge(root: root.url).listRepositories(owner: "acme", cached: first)
        #expect(again[0].notModified)
        #expect(again[0].repositories == first[0].repositories)

        try FileManager.default.removeItem(atPath: root.path + "/acme/api.git")
        try await run(["git", "init", "-q", "--bare", root.path + "/acme/docs.git"])
        let later = try await forge.listRepositories(owner: "acme", cached: again)
        #expect(!later[0].notModified)
        #expect(later[0].repositories.map { "\($0.name)=\($0.id)" } == ["docs=3", "web=1"])
        #expect(try await forge.repository(id: 2) == .notFound)
        guard case .found(let web) = try await forge.repository(id: 1) else { Issue.record("web not found"); return }
        #expect(web.cloneURL == "file://\(root.url.resolvingSymlinksInPath().path)/acme/web.git" || web.cloneURL.hasSuffix("/acme/web.git"))
        #expect(web.defaultBranch == "main")
    }

    /// A creation cut short by `kill -9` (found in the crash harness: a directory with an empty config and no HEAD) is
    /// made anew, not reported as "not a bare repository" on every later try; nothing half-made is ever listed.
    @Test func aCreationACrashCutShortIsMadeAnew() async throws {
        let root = try TemporaryDirectory(prefix: "forge")
        let forge = LocalForge(root: root.url)
        let partial = root.url.appendingPathComponent("acme/agent3.git")
        for folder in ["objects/info", "refs/heads", "hooks", "info"] {
            try FileManager.default.createDirectory(at: partial.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try Data().write(to: partial.appendingPathComponent("config"))
        #expect(try await forge.listRepositories(owner: "acme", cached: [])[0].repositories.isEmpty)
        let created = try await forge.createRepository(owner: "acme", name: "agent3", isPrivate: true, description: nil)
        #expect(created.name == "agent3")
        #expect(FileManager.default.fileExists(atPath: partial.appendingPathComponent("HEAD").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.url.appendingPathComponent("acme").path) == ["agent3.git"],
            "no staged folder is left")
    }

    @Test func creatingTwiceReturnsTheSameRepoAndArchivingIsAFlag() async throws {
        let root = try TemporaryDirectory(prefix: "forge")
        let forge = LocalForge(root: root.url)
        let created = try await forge.createRepository(owner: "acme", name: "bot", isPrivate: true, description: nil)
        let again = try await forge.createRepository(owner: "acme", name: "bot", isPrivate: true, description: nil)
        #expect(created == again)
        try Data().write(to: root.url.appendingPathComponent("acme/bot.git/steward-archived"))
        let listed = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(listed[0].repositories.first?.archived == true)
        await #expect(throws: GitError.self) {
            try await forge.createRepository(owner: "acme", name: "../evil", isPrivate: true, description: nil)
        }
    }
}
