import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardGit

/// Ref resolution order: full ref name, branch, tag (peeled), full or abbreviated commit id.
struct GitConfigSourceRefTests {
    /// main: first -> second; dev: third; v1: lightweight tag at first; v2: annotated tag at second.
    final class History: @unchecked Sendable {
        let fixture: GitFixture
        let first: String
        let second: String
        let third: String

        init() async throws {
            fixture = try await GitFixture()
            try fixture.write("a.yaml", "a: 1\n")
            first = try await fixture.commit("first")
            try await fixture.tag("v1")
            try fixture.write("a.yaml", "a: 2\n")
            second = try await fixture.commit("second")
            try await fixture.git("tag", "-a", "v2", "-m", "release two")
            try await fixture.git("push", "-q", "origin", "refs/tags/v2")
            try fixture.write("a.yaml", "a: 3\n")
            third = try await fixture.commit("third", branch: "dev")
        }

        func commit(for ref: String) async throws -> String? {
            try await fixture.source(ref: ref).update().commit
        }
    }

    @Test func branch() async throws {
        let history = try await History()
        #expect(try await history.commit(for: "main") == history.second)
        #expect(try await history.commit(for: "dev") == history.third)
    }

    @Test func fullRefNames() async throws {
        let history = try await History()
        #expect(try await history.commit(for: "refs/heads/dev") == history.third)
        #expect(try await history.commit(for: "refs/remotes/origin/main") == history.second)
        #expect(try await history.commit(for: "refs/tags/v1") == history.first)
    }

    @Test func lightweightAndAnnotatedTagsPeelToCommits() async throws {
        let history = try await History()
        #expect(try await history.commit(for: "v1") == history.first)
        #expect(try await history.commit(for: "v2") == history.second)
    }

    @Test func fullAndShortCommitIDs() async throws {
        let history = try await History()
        #expect(try await history.commit(for: history.first) == history.first)
        #expect(try await history.commit(for: String(history.first.prefix(7))) == history.first)
        #expect(try await history.commit(for: history.second.prefix(12).uppercased()) == history.second)
    }

    @Test func revisionKeepsTheRefAsWritten() async throws {
        let history = try await History()
        let revision = try await history.fixture.source(ref: "v2").update()
        #expect(revision == ConfigRevision(commit: history.second, ref: "v2"))
    }

    @Test func unknownRefNamesTheRefAndTheRepo() async throws {
        let history = try await History()
        let error = try await #require(throws: GitError.self) {
            try await history.fixture.source(url: history.fixture.fileURL, ref: "no-such-branch").update()
        }
        #expect(error.code == .unknownReference)
        #expect(error.description.contains("'no-such-branch'"))
        #expect(error.description.contains(history.fixture.fileURL))
    }

    @Test func tooShortOrNonCommitIDsAreUnknown() async throws {
        let history = try await History()
        let tree = try await history.fixture.git("rev-parse", "HEAD^{tree}")
        for ref in [String(history.first.prefix(6)), String(tree.prefix(10)), "refs/heads/../x", ""] {
            let error = try await #require(throws: GitError.self) { try await history.fixture.source(ref: ref).update() }
            #expect(error.code == .unknownReference)
        }
    }
}
