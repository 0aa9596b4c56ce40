import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

/// Commits to the config repo with libgit2: in place (bare and work tree) and through a push, checked with the
/// git CLI.
struct GitConfigRepoWriterTests {
    func fixture() async throws -> GitFixture {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        try fixture.write("manifests/hello.yaml", "# hello\n")
        try await fixture.commit("initial")
        // Author identity for CLI commits made by the tests themselves.
        try await fixture.git("config", "user.name", "Test")
        try await fixture.git("config", "user.email", "test@example.com")
        return fixture
    }

    func writer(_ url: String, in fixture: GitFixture, branch: String = "main") -> GitConfigRepoWriter {
        GitConfigRepoWriter(url: url, branch: branch, scratchDirectory: fixture.root.url.appendingPathComponent("scratch"))
    }

    func bareGit(_ fixture: GitFixture, _ arguments: String...) async throws -> String {
        try await run(["git", "--git-dir", fixture.bare] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func commitsANewFileOntoTheBranchOfABareRepository() async throws {
        let fixture = try await fixture()
        let before = try await bareGit(fixture, "rev-parse", "main")
        let commit = try await writer(fixture.bare, in: fixture).commit(path: "manifests/new/app.yaml", message: "Add app") { current in
            #expect(current == nil)
            return Data("kind: Project\n".utf8)
        }
        await #expect(try bareGit(fixture, "rev-parse", "main") == commit)
        await #expect(try bareGit(fixture, "rev-parse", "main^") == before)
        await #expect(try bareGit(fixture, "show", "main:manifests/new/app.yaml") == "kind: Project")
        await #expect(try bareGit(fixture, "show", "main:manifests/hello.yaml") == "# hello")
        await #expect(try bareGit(fixture, "log", "-1", "--format=%an <%ae>|%s", "main") == "Steward <steward@localhost>|Add app")
        await #expect(try bareGit(fixture, "fsck", "--no-progress").isEmpty)
    }

    @Test func changeReceivesTheCurrentContents() async throws {
        let fixture = try await fixture()
        _ = try await writer(fixture.bare, in: fixture).commit(path: "manifests/hello.yaml", message: "Edit hello") { current in
            #expect(current == Data("# hello\n".utf8))
            return current! + Data("more: 1\n".utf8)
        }
        await #expect(try bareGit(fixture, "show", "main:manifests/hello.yaml") == "# hello\nmore: 1")
    }

    @Test func aCheckedOutWorkTreeGetsTheFileAndStaysClean() async throws {
        let fixture = try await fixture()
        let commit = try await writer(fixture.workTree, in: fixture).commit(path: "manifests/app.yaml", message: "Add app") { _ in
            Data("kind: Project\n".utf8)
        }
        await #expect(try fixture.git("rev-parse", "HEAD") == commit)
        #expect(try String(contentsOfFile: fixture.workTree + "/manifests/app.yaml", encoding: .utf8) == "kind: Project\n")
        await #expect(try fixture.git("status", "--porcelain").isEmpty)
    }

    @Test func aLocalEditOfTheFileIsNeverOverwritten() async throws {
        let fixture = try await fixture()
        try fixture.write("manifests/hello.yaml", "# my unsaved edit\n")
        let head = try await fixture.git("rev-parse", "HEAD")
        let error = try await #require(throws: GitError.self) {
            try await writer(fixture.workTree, in: fixture).commit(path: "manifests/hello.yaml", message: "Edit") { _ in
                Data("# from steward\n".utf8)
            }
        }
        #expect(error.description.contains("check out manifests/hello.yaml"))
        await #expect(try fixture.git("rev-parse", "HEAD") == head)
        #expect(try String(contentsOfFile: fixture.workTree + "/manifests/hello.yaml", encoding: .utf8) == "# my unsaved edit\n")
    }

    @Test func aWorkTreeOnAnotherBranchIsLeftAlone() async throws {
        let fixture = try await fixture()
        try await fixture.git("checkout", "-q", "-b", "other")
        let commit = try await writer(fixture.workTree, in: fixture).commit(path: "manifests/app.yaml", message: "Add app") { _ in Data("x\n".utf8) }
        await #expect(try fixture.git("rev-parse", "main") == commit)
        await #expect(try fixture.git("rev-parse", "--abbrev-ref", "HEAD") == "other")
        #expect(!FileManager.default.fileExists(atPath: fixture.workTree + "/manifests/app.yaml"))
    }

    @Test func aURLIsClonedCommittedAndPushed() async throws {
        let fixture = try await fixture()
        let writer = writer(fixture.fileURL, in: fixture)
        #expect(writer.pushes)
        let commit = try await writer.commit(path: "manifests/app.yaml", message: "Add app") { current in
            #expect(current == nil)
            return Data("kind: Project\n".utf8)
        }
        await #expect(try bareGit(fixture, "rev-parse", "main") == commit)
        await #expect(try bareGit(fixture, "show", "main:manifests/app.yaml") == "kind: Project")
        // The scratch clone is gone.
        let scratch = fixture.root.url.appendingPathComponent("scratch").path
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
    }

    @Test func aBranchThatMovesMeanwhileIsReadAgain() async throws {
        for useURL in [false, true] {
            let fixture = try await fixture()
            let calls = Counter()
            _ = try await writer(useURL ? fixture.fileURL : fixture.bare, in: fixture)
                .commit(path: "manifests/hello.yaml", message: "Append") { current in
                    if calls.increment() == 1 {
                        // Someone else pushes between Steward's read and its update.
                        try fixture.write("manifests/hello.yaml", "# hello\n# theirs\n")
                        try fixture.commitWaiting("theirs")
                    }
                    return current! + Data("# ours\n".utf8)
                }
            #expect(calls.value == 2)
            await #expect(try bareGit(fixture, "show", "main:manifests/hello.yaml") == "# hello\n# theirs\n# ours")
            await #expect(try bareGit(fixture, "log", "-1", "--format=%s", "main^") == "theirs")
        }
    }

    @Test func anHTTPRemoteGetsTheTokenFromTheEnvironment() async throws {
        let fixture = try await fixture()
        let token = "tok-\(UUID().uuidString)"
        let server = try await SmartHTTPServer(projectRoot: fixture.root.path, token: token)
        let variable = uniqueTokenVariable()
        setenv(variable, token, 1)
        defer { unsetenv(variable) }
        let writer = GitConfigRepoWriter(
            url: server.url("remote.git"), branch: "main", scratchDirectory: fixture.root.url.appendingPathComponent("scratch"),
            tokenEnvironmentVariable: variable)
        let commit = try await writer.commit(path: "manifests/app.yaml", message: "Add app") { _ in Data("kind: Project\n".utf8) }
        await #expect(try bareGit(fixture, "rev-parse", "main") == commit)

        setenv(variable, "wrong-\(token)", 1)
        let error = try await #require(throws: GitError.self) {
            try await writer.commit(path: "manifests/other.yaml", message: "Other") { _ in Data() }
        }
        #expect(error.code == .authentication)
        #expect(error.description.contains("rejected the token from $\(variable)"))
        #expect(!error.description.contains(token))
        await #expect(try bareGit(fixture, "rev-parse", "main") == commit)
    }

    @Test func aCheckedOutBranchThatMovesMeanwhileIsReadAgain() async throws {
        let fixture = try await fixture()
        let calls = Counter()
        let commit = try await writer(fixture.workTree, in: fixture).commit(path: "manifests/app.yaml", message: "Add app") { _ in
            if calls.increment() == 1 {
                // Another writer commits a different file onto main with plumbing, leaving the work tree as it is.
                let index = fixture.root.url.appendingPathComponent("other-index").path
                let env = ["GIT_INDEX_FILE": index]
                let blob = try runBlocking(["sh", "-c", "echo theirs | git hash-object -w --stdin"], in: fixture.workTree)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                try runBlocking(["git", "read-tree", "HEAD"], in: fixture.workTree, environment: env)
                try runBlocking(["git", "update-index", "--add", "--cacheinfo", "100644,\(blob),other.txt"], in: fixture.workTree, environment: env)
                let tree = try runBlocking(["git", "write-tree"], in: fixture.workTree, environment: env).trimmingCharacters(in: .whitespacesAndNewlines)
                let theirs = try runBlocking(["git", "commit-tree", tree, "-p", "HEAD", "-m", "theirs"], in: fixture.workTree)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                try runBlocking(["git", "update-ref", "refs/heads/main", theirs], in: fixture.workTree)
            }
            return Data("kind: Project\n".utf8)
        }
        #expect(calls.value == 2)
        await #expect(try fixture.git("rev-parse", "main") == commit)
        await #expect(try fixture.git("log", "-1", "--format=%s", "main^") == "theirs")
        await #expect(try fixture.git("show", "main:other.txt") == "theirs")
        #expect(try String(contentsOfFile: fixture.workTree + "/manifests/app.yaml", encoding: .utf8) == "kind: Project\n")
        await #expect(try fixture.git("status", "--porcelain", "manifests").isEmpty)
    }

    @Test func onlyAnExistingBranchIsCommittedTo() async throws {
        let fixture = try await fixture()
        for url in [fixture.bare, fixture.fileURL] {
            let error = try await #require(throws: GitError.self) {
                try await writer(url, in: fixture, branch: "v1").commit(path: "a", message: "a") { _ in Data() }
            }
            #expect(error.code == .unknownReference)
            #expect(error.description.contains("the config repo has no branch 'v1'"))
        }
        await #expect(try bareGit(fixture, "for-each-ref", "--format=%(refname)") == "refs/heads/main")
    }

    @Test func aMissingPathIsAClearError() async throws {
        let fixture = try await fixture()
        let error = try await #require(throws: GitError.self) {
            try await writer(fixture.root.path + "/nowhere", in: fixture).commit(path: "a", message: "a") { _ in Data() }
        }
        #expect(error.description.contains("does not exist; pass --config-repo"))
    }
}

/// Calls counted across the writer's queue.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func increment() -> Int { lock.withLock { count += 1; return count } }
    var value: Int { lock.withLock { count } }
}
