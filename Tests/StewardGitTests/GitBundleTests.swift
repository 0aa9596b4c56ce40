import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

struct GitBundleTests {
    @Test func aBundleHoldsTheExactCommitAndItsHistoryForGitClone() async throws {
        let fixture = try await GitFixture()
        try fixture.write("app.py", "print('one')\n")
        let first = try await fixture.commit("one")
        try fixture.write("app.py", "print('two')\n")
        try fixture.write("lib/util.py", "X = 2\n")
        let second = try await fixture.commit("two")
        // A later commit on the branch is not what is asked for: the bundle's ref points at `second`.
        try fixture.write("app.py", "print('three')\n")
        try await fixture.commit("three")

        let directory = try TemporaryDirectory()
        let bundle = directory.url.appendingPathComponent("bundles/app.bundle")
        let repository = try GitRepository.open(at: URL(fileURLWithPath: fixture.bare))
        let size = try repository.writeBundle(commit: GitObjectID(hex: second)!, to: bundle)
        #expect(size > 0)
        #expect(try Data(contentsOf: bundle).count == size)

        // The git CLI accepts it as a bundle, lists the one ref, and clones the exact tree and history.
        #expect(try await run(["git", "bundle", "verify", bundle.path]).contains("okay"))
        #expect(try await run(["git", "bundle", "list-heads", bundle.path]).trimmingCharacters(in: .whitespacesAndNewlines)
            == "\(second) refs/heads/steward-deploy")
        let clone = directory.url.appendingPathComponent("clone").path
        try await run(["git", "clone", "-q", "--no-checkout", bundle.path, clone])
        try await run(["git", "-C", clone, "checkout", "-q", second])
        #expect(try String(contentsOfFile: clone + "/app.py", encoding: .utf8) == "print('two')\n")
        #expect(try String(contentsOfFile: clone + "/lib/util.py", encoding: .utf8) == "X = 2\n")
        #expect(try await run(["git", "-C", clone, "rev-list", "--count", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        #expect(try await run(["git", "-C", clone, "cat-file", "-t", first]).contains("commit"))
        // No temporary file is left next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: bundle.deletingLastPathComponent().path) == ["app.bundle"])
    }

    @Test func anUnknownCommitIsAClearErrorAndWritesNothing() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a", "a\n")
        try await fixture.commit()
        let directory = try TemporaryDirectory()
        let bundle = directory.url.appendingPathComponent("x.bundle")
        let repository = try GitRepository.open(at: URL(fileURLWithPath: fixture.bare))
        let error = try #require(throws: GitError.self) {
            try repository.writeBundle(commit: GitObjectID(hex: String(repeating: "ab", count: 20))!, to: bundle)
        }
        #expect(error.description.contains("abababab"))
        #expect(!FileManager.default.fileExists(atPath: bundle.path))
    }

    @Test func aBundleImportedIntoAnEmptyRepoRestoresTheCommitWithItsHistory() async throws {
        let fixture = try await GitFixture()
        try fixture.write("app.py", "print('one')\n")
        try await fixture.commit("one")
        try fixture.write("app.py", "print('two')\n")
        let second = try await fixture.commit("two")
        let directory = try TemporaryDirectory()
        let bundle = directory.url.appendingPathComponent("\(second).bundle")
        try GitRepository.open(at: URL(fileURLWithPath: fixture.bare)).writeBundle(commit: GitObjectID(hex: second)!, to: bundle)

        let restored = directory.url.appendingPathComponent("restored.git")
        let repository = try GitRepository.createBare(at: restored)
        #expect(try repository.importBundle(bundle, branch: "main").hex == second)
        #expect(try repository.commitID(forReference: "refs/heads/main")?.hex == second)
        #expect(try await run(["git", "--git-dir", restored.path, "rev-list", "--count", "main"])
            .trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        // Every object is there and sound (fsck exits non-zero otherwise; notices about HEAD are fine).
        let fsck = try await run(["git", "--git-dir", restored.path, "fsck", "--no-dangling", "main"])
        #expect(!fsck.contains("missing") && !fsck.contains("error"), "\(fsck)")
        #expect(try await run(["git", "--git-dir", restored.path, "show", "main:app.py"]) == "print('two')\n")
        // Importing again is a no-op; a branch that points elsewhere is refused.
        #expect(try repository.importBundle(bundle, branch: "main").hex == second)
        try fixture.write("app.py", "print('three')\n")
        let third = try await fixture.commit("three")
        let other = directory.url.appendingPathComponent("third.bundle")
        try GitRepository.open(at: URL(fileURLWithPath: fixture.bare)).writeBundle(commit: GitObjectID(hex: third)!, to: other)
        #expect(throws: GitError.self) { try repository.importBundle(other, branch: "main") }
        // Not a bundle at all.
        let junk = directory.url.appendingPathComponent("junk.bundle")
        try Data("hello".utf8).write(to: junk)
        let error = try #require(throws: GitError.self) { try repository.importBundle(junk, branch: "other") }
        #expect(error.description.contains("not a v2 git bundle"))
    }
}
