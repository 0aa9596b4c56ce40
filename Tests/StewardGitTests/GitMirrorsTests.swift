import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardGit

/// Mirrors of repositories on the fake GitHub, fetched and pushed over its smart HTTP with libgit2.
struct GitMirrorsTests {
    final class Fixture: @unchecked Sendable {
        let server: FakeGitHubServer
        let directory: TemporaryDirectory
        let gitRoot: TemporaryDirectory

        init() throws {
            gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
            server = try FakeGitHubServer(configuration: .init(gitDirectory: gitRoot.url))
            directory = try TemporaryDirectory(prefix: "steward-mirrors")
            _ = server.addOrganization("acme")
        }

        func mirrors(token: String? = nil) -> GitMirrors {
            let value = token ?? server.configuration.token
            return GitMirrors(root: directory.url.appendingPathComponent("mirrors"), tokenSource: "the test token", token: { value })
        }

        var cloneURL: String { server.cloneURL(owner: "acme", name: "app") }
    }

    @Test func fetchesOnlyWhenTheWantedCommitIsMissing() async throws {
        let fixture = try Fixture()
        let first = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print(1)\n"])
        let mirrors = fixture.mirrors()
        let created = try await mirrors.ensure(commit: first, cloneURL: fixture.cloneURL)
        #expect(created.fetched)
        #expect(created.directory.path.hasSuffix("mirrors/acme/app.git"))
        #expect(fixture.server.gitFetchCount == 1)
        // Every git request carried the token (after the first 401 challenge), never in the URL.
        #expect(fixture.server.gitRequests.filter { $0.status == 200 }.allSatisfy { $0.hadAuthorization })

        fixture.server.resetLog()
        let again = try await mirrors.ensure(commit: first, cloneURL: fixture.cloneURL)
        #expect(!again.fetched)
        #expect(fixture.server.gitRequests.isEmpty)

        let second = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print(2)\n"])
        #expect(try await mirrors.ensure(commit: second, cloneURL: fixture.cloneURL).fetched)
        #expect(fixture.server.gitFetchCount == 1)
        let config = try String(contentsOf: created.directory.appendingPathComponent("config"), encoding: .utf8)
        #expect(!config.contains(fixture.server.configuration.token))
        #expect(try await run(["git", "--git-dir", created.directory.path, "rev-parse", "main"]).hasPrefix(second))
    }

    @Test func aRejectedTokenOrADeadServerIsAClearErrorWithoutTheTokenAndLeavesTheMirror() async throws {
        let fixture = try Fixture()
        let first = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["a": "1"])
        _ = try await fixture.mirrors().ensure(commit: first, cloneURL: fixture.cloneURL)
        let second = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["a": "2"])

        let wrong = "ghp_wrongTokenThatMustNotLeak0000000000"
        let rejected = await #expect(throws: GitError.self) {
            try await fixture.mirrors(token: wrong).ensure(commit: second, cloneURL: fixture.cloneURL)
        }
        #expect(rejected?.code == .authentication)
        #expect(rejected?.description.contains("rejected the token from the test token") == true, "\(String(describing: rejected))")
        #expect(rejected?.description.contains(wrong) == false)

        let bare = fixture.directory.path + "/mirrors/acme/app.git"
        #expect(try await run(["git", "--git-dir", bare, "rev-parse", "main"]).hasPrefix(first))
        fixture.server.stop()
        let down = await #expect(throws: GitError.self) {
            try await fixture.mirrors().ensure(commit: second, cloneURL: fixture.cloneURL)
        }
        #expect(down?.description.contains(fixture.server.configuration.token) == false)
        #expect(try await run(["git", "--git-dir", bare, "rev-parse", "main"]).hasPrefix(first))
    }

    /// Hands out a revoked token first, a good one once told the first was rejected.
    final class RotatingToken: @unchecked Sendable {
        private let lock = NSLock()
        private var current: String
        private let next: String
        private(set) var rejections: [String] = []
        init(first: String, next: String) { current = first; self.next = next }
        func token() -> String { lock.withLock { current } }
        func rejected(_ token: String) -> Bool {
            lock.withLock {
                rejections.append(token)
                guard token == current, token != next else { return false }
                current = next
                return true
            }
        }
    }

    @Test func aRefusedTokenThatCanBeRenewedIsRenewedOnceAndTheFetchSucceeds() async throws {
        let fixture = try Fixture()
        let commit = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["a": "1"])
        let rotating = RotatingToken(first: "ghs_revokedInstallationToken000000000", next: fixture.server.configuration.token)
        let mirrors = GitMirrors(root: fixture.directory.url.appendingPathComponent("mirrors"), tokenSource: "the test App",
            token: { rotating.token() }, tokenRejected: { rotating.rejected($0) })
        #expect(try await mirrors.ensure(commit: commit, cloneURL: fixture.cloneURL).fetched)
        #expect(rotating.rejections == ["ghs_revokedInstallationToken000000000"])

        // A token that cannot be renewed fails at once, once.
        let stuck = RotatingToken(first: "ghs_stuck00000000000000000000000000000", next: "ghs_stuck00000000000000000000000000000")
        let other = GitMirrors(root: fixture.directory.url.appendingPathComponent("other"), tokenSource: "the test App",
            token: { stuck.token() }, tokenRejected: { stuck.rejected($0) })
        let error = await #expect(throws: GitError.self) { try await other.ensure(commit: commit, cloneURL: fixture.cloneURL) }
        #expect(error?.code == .authentication)
        #expect(error?.description.contains("ghs_stuck") == false)
        #expect(stuck.rejections.count == 1)
    }

    @Test func bundlesACommitFromTheMirrorAndReusesTheBundleWithoutTheForge() async throws {
        let fixture = try Fixture()
        let commit = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print('hi')\n"])
        let bundler = LocalSourceBundler(directory: fixture.directory.url.appendingPathComponent("bundles"), mirrors: fixture.mirrors())
        let repo = ResolvedRepo(cloneURL: fixture.cloneURL, commit: commit)
        let bundle = try #require(try await bundler.bundle(repo))
        #expect(bundle.lastPathComponent == "\(commit).bundle")
        let clone = fixture.directory.path + "/clone"
        try await run(["git", "clone", "-q", "--no-checkout", bundle.path, clone])
        #expect(try await run(["git", "-C", clone, "rev-parse", "origin/steward-deploy"]).hasPrefix(commit))

        fixture.server.resetLog()
        #expect(try await bundler.bundle(repo) == bundle)
        #expect(fixture.server.gitRequests.isEmpty)
        // Without mirrors a remote repo is not bundled (the server would clone it itself).
        #expect(try await LocalSourceBundler(directory: fixture.directory.url).bundle(repo) == nil)
    }

    @Test func restoresADeletedRepoFromTheMirrorElseFromTheBundleAndNeverForces() async throws {
        let fixture = try Fixture()
        _ = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print(1)\n"])
        let commit = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print(2)\n"])
        let mirrors = fixture.mirrors()
        let bundler = LocalSourceBundler(directory: fixture.directory.url.appendingPathComponent("bundles"), mirrors: mirrors)
        let bundle = try #require(try await bundler.bundle(ResolvedRepo(cloneURL: fixture.cloneURL, commit: commit)))
        let id = try #require(GitObjectID(hex: commit))
        func forge(_ arguments: [String]) async throws -> String {
            let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "app")).path
            return try await run(["git", "--git-dir", bare] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        // Deleted on GitHub (git data too) and created again empty: the mirror's history is pushed.
        #expect(fixture.server.removeRepository(owner: "acme", name: "app"))
        _ = try fixture.server.addRepository(owner: "acme", name: "app", isPrivate: true)
        await #expect(try forge(["for-each-ref"]).isEmpty)
        #expect(try await mirrors.restore(commit: id, branch: "main", cloneURL: fixture.cloneURL, bundle: nil) == .mirror)
        await #expect(try forge(["rev-parse", "main"]) == commit)
        await #expect(try forge(["rev-list", "--count", "main"]) == "2")
        // Again (an interrupted attempt resumed): the forge already has it, the push changes nothing.
        #expect(try await mirrors.restore(commit: id, branch: "main", cloneURL: fixture.cloneURL, bundle: nil) == .mirror)

        // Someone else filled the new repo first: never forced, a clear non-fast-forward error, the forge keeps its branch.
        #expect(fixture.server.removeRepository(owner: "acme", name: "app"))
        _ = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["app.py": "print('someone else')\n"])
        let refused = await #expect(throws: GitError.self) {
            try await mirrors.restore(commit: id, branch: "main", cloneURL: fixture.cloneURL, bundle: nil)
        }
        #expect(refused?.description.contains(fixture.server.configuration.token) == false)
        await #expect(try forge(["rev-list", "--count", "main"]) == "1")

        // The mirror is lost too: nothing without the bundle, the history from the bundle with it.
        #expect(fixture.server.removeRepository(owner: "acme", name: "app"))
        _ = try fixture.server.addRepository(owner: "acme", name: "app", isPrivate: true)
        try FileManager.default.removeItem(at: try mirrors.directory(for: fixture.cloneURL))
        #expect(try await mirrors.restore(commit: id, branch: "main", cloneURL: fixture.cloneURL, bundle: nil) == nil)
        await #expect(try forge(["for-each-ref"]).isEmpty)
        #expect(try await mirrors.restore(commit: id, branch: "main", cloneURL: fixture.cloneURL, bundle: bundle) == .bundle)
        await #expect(try forge(["rev-parse", "main"]) == commit)
        await #expect(try forge(["rev-list", "--count", "main"]) == "2")
        let mirror = try mirrors.directory(for: fixture.cloneURL).path
        #expect(try await run(["git", "--git-dir", mirror, "for-each-ref", "--format=%(refname)"]).trimmingCharacters(in: .whitespacesAndNewlines)
            == "refs/heads/main")
    }

    @Test func aWorkspaceCommitsInTheMirrorAndPushesToTheForge() async throws {
        let fixture = try Fixture()
        _ = try fixture.server.addRepository(owner: "acme", name: "app", isPrivate: true)
        let workspace = LocalRepoWorkspace(mirrors: fixture.mirrors())
        let repository = ForgeRepository(id: 1, owner: "acme", name: "app", cloneURL: fixture.cloneURL)
        let first = fixture.directory.url.appendingPathComponent("first")
        #expect(try await workspace.checkout(repository, branch: "main", into: first) == nil)
        _ = try fixture.directory.write("first/app.py", "print('hi')\n")
        let commit = try #require(try await workspace.commit(repository, branch: "main", from: first, message: "Scaffold"))
        #expect(fixture.server.gitPushCount == 1)
        let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "app"))
        #expect(try await run(["git", "--git-dir", bare.path, "rev-parse", "main"]).hasPrefix(commit))

        // Someone else pushes; the next checkout sees it, and a commit on top is pushed fast-forward.
        let other = try await fixture.server.pushCommit(owner: "acme", name: "app", files: ["README.md": "hello\n"])
        let second = fixture.directory.url.appendingPathComponent("second")
        #expect(try await workspace.checkout(repository, branch: "main", into: second) == other)
        _ = try fixture.directory.write("second/app.py", "print('hello')\n")
        let next = try #require(try await workspace.commit(repository, branch: "main", from: second, message: "Change"))
        #expect(try await run(["git", "--git-dir", bare.path, "rev-list", "--count", next]).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    @Test func refusesURLsThatWouldExposeTheToken() throws {
        let mirrors = GitMirrors(root: URL(fileURLWithPath: "/tmp/unused"), tokenSource: "t", token: { "x" })
        #expect(throws: GitError.self) { try mirrors.directory(for: "http://example.com/acme/app.git") }
        #expect(throws: GitError.self) { try mirrors.directory(for: "https://user:secret@example.com/acme/app.git") }
        #expect(throws: GitError.self) { try mirrors.directory(for: "https://example.com/acme/../app.git") }
        #expect(try mirrors.directory(for: "https://github.com/acme/app.git").path == "/tmp/unused/acme/app.git")
        #expect(try mirrors.directory(for: "http://127.0.0.1:8080/acme/app").path == "/tmp/unused/acme/app.git")
    }
}
