import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

/// Unified diffs applied to plain worktrees with libgit2.
struct GitPatchTests {
    @Test func aDiffChangesAndAddsFilesAndLeavesNoGitDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.py", "print('hello')\nprint('bye')\n")
        let diff = """
            diff --git a/app.py b/app.py
            --- a/app.py
            +++ b/app.py
            @@ -1,2 +1,2 @@
            -print('hello')
            +print('bonjour')
             print('bye')
            diff --git a/NOTES.md b/NOTES.md
            new file mode 100644
            --- /dev/null
            +++ b/NOTES.md
            @@ -0,0 +1 @@
            +notes

            """
        #expect(try GitPatch.apply(diff, to: directory.url) == ["NOTES.md", "app.py"])
        #expect(try String(contentsOf: directory.url.appendingPathComponent("app.py"), encoding: .utf8) == "print('bonjour')\nprint('bye')\n")
        #expect(try String(contentsOf: directory.url.appendingPathComponent("NOTES.md"), encoding: .utf8) == "notes\n")
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent(".git").path))
    }

    @Test func aDiffThatDoesNotMatchChangesNothing() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.py", "print('hello')\n")
        let diff = "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-print('other')\n+print('x')\n"
        #expect(throws: GitError.self) { try GitPatch.apply(diff, to: directory.url) }
        #expect(try String(contentsOf: directory.url.appendingPathComponent("app.py"), encoding: .utf8) == "print('hello')\n")
        #expect(throws: GitError.self) { try GitPatch.apply("not a diff at all", to: directory.url) }
    }
}
