import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardGit

/// Worktrees of local forge repos: checkout and commit into a bare repo with libgit2, checked with git's CLI.
struct LocalRepoWorkspaceTests {
    @Test func commitsATreeIntoABareRepoAndChecksItOutAgain() async throws {
        let directory = try TemporaryDirectory()
        let forge = LocalForge(root: directory.url.appendingPathComponent("forge"))
        let repository = try await forge.createRepository(owner: "acme", name: "app", isPrivate: true, description: nil)
        let workspace = LocalRepoWorkspace()
        let first = directory.url.appendingPathComponent("first")
        #expect(try await workspace.checkout(repository, branch: "main", into: first) == nil)
        try directory.write("first/app.py", "print('hi')\n")
        try directory.write("first/docs/DESIGN.md", "# design\n")
        try directory.write("first/bin/run", "#!/bin/sh\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: first.appendingPathComponent("bin/run").path)
        try directory.write("first/__pycache__/app.pyc", "junk")
        let commit = try #require(await workspace.commit(repository, branch: "main", from: first, message: "Scaffold"))

        let bare = directory.url.appendingPathComponent("forge/acme/app.git").path
        let tree = try await run(["git", "--git-dir", bare, "ls-tree", "-r", "main"])
        #expect(tree.contains("100644 blob") && tree.contains("app.py") && tree.contains("docs/DESIGN.md"))
        #expect(tree.contains("100755 blob") && tree.contains("bin/run"))
        #expect(!tree.contains("__pycache__"))
        #expect(try await run(["git", "--git-dir", bare, "log", "-1", "--format=%s %an", "main"]).contains("Scaffold Steward"))

        // The same files again: no new commit; a change: one commit on top.
        #expect(try await workspace.commit(repository, branch: "main", from: first, message: "again") == commit)
        let second = directory.url.appendingPathComponent("second")
        #expect(try await workspace.checkout(repository, branch: "main", into: second) == commit)
        #expect(try String(contentsOf: second.appendingPathComponent("docs/DESIGN.md"), encoding: .utf8) == "# design\n")
        try directory.write("second/app.py", "print('hello')\n")
        let next = try #require(await workspace.commit(repository, branch: "main", from: second, message: "Change"))
        #expect(next != commit)
        #expect(try await run(["git", "--git-dir", bare, "rev-list", "--count", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) == "2")
    }

    @Test func aRepositoryThatIsNotLocalIsRefusedWithWhy() async throws {
        let remote = ForgeRepository(id: 1, owner: "acme", name: "app", cloneURL: "https://github.com/acme/app.git")
        let directory = try TemporaryDirectory()
        await #expect(throws: GitError.self) { try await LocalRepoWorkspace().checkout(remote, branch: "main", into: directory.url) }
    }
}
