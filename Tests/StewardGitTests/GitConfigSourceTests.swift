import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardGit

struct GitConfigSourceTests {
    @Test func clonesFromALocalPathIntoABareCache() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        let commit = try await fixture.commit()

        let revision = try await fixture.source().update()

        #expect(revision == ConfigRevision(commit: commit, ref: "main"))
        let cached = try GitRepository.open(at: fixture.cache)
        #expect(cached.isBare)
        #expect(!FileManager.default.fileExists(atPath: fixture.cache.appendingPathComponent("steward.yaml").path))
    }

    @Test func clonesFromAFileURL() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        let commit = try await fixture.commit()

        let revision = try await fixture.source(url: fixture.fileURL).update()

        #expect(revision.commit == commit)
    }

    @Test func clonesFromARelativePath() async throws {
        let fixture = try await GitFixture()
        let commit = try await fixture.commit()
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + fixture.bare.dropFirst()

        let revision = try await fixture.source(url: relative).update()

        #expect(revision.commit == commit)
        #expect(try GitRemote.lookup("origin", in: GitRepository.open(at: fixture.cache), fetchRefspecs: GitConfigSource.fetchRefspecs)?.url == fixture.bare)
    }

    @Test func incrementalFetchSeesANewCommit() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.yaml", "a: 1\n")
        let first = try await fixture.commit()
        let source = fixture.source()
        #expect(try await source.update().commit == first)
        let packsBefore = try fixture.cachePacks()

        try fixture.write("a.yaml", "a: 2\n")
        let second = try await fixture.commit()

        #expect(try await source.update().commit == second)
        let packsAfter = try fixture.cachePacks()
        #expect(packsAfter.isSuperset(of: packsBefore))
        #expect(packsAfter.count == packsBefore.count + 1)
    }

    @Test func noChangeUpdateReturnsTheSameCommitWithoutDownloading() async throws {
        let fixture = try await GitFixture()
        let commit = try await fixture.commit()
        try await fixture.commit("feature", branch: "feature/nested")
        try await fixture.tag("v1")
        try await fixture.git("tag", "-a", "v2", "-m", "annotated")
        try await fixture.git("push", "-q", "origin", "refs/tags/v2")
        let source = fixture.source()
        _ = try await source.update()
        let cached = try GitRepository.open(at: fixture.cache)
        let origin = try #require(try GitRemote.lookup("origin", in: cached, fetchRefspecs: GitConfigSource.fetchRefspecs))
        let packs = try fixture.cachePacks()

        #expect(try await source.update() == ConfigRevision(commit: commit, ref: "main"))
        #expect(try origin.fetchIfChanged(credentials: nil) == false)
        #expect(try fixture.cachePacks() == packs)
    }

    @Test func secondInstanceOnTheSameCacheFetchesIncrementally() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.yaml", "a: 1\n")
        let first = try await fixture.commit()
        #expect(try await fixture.source().update().commit == first)
        let packsBefore = try fixture.cachePacks()
        let marker = fixture.cache.appendingPathComponent("steward-marker")
        try Data("kept".utf8).write(to: marker)

        try fixture.write("a.yaml", "a: 2\n")
        let second = try await fixture.commit()
        let fresh = fixture.source()

        #expect(try await fresh.update().commit == second)
        #expect(FileManager.default.fileExists(atPath: marker.path))
        let packsAfter = try fixture.cachePacks()
        #expect(packsAfter.isSuperset(of: packsBefore))
        #expect(packsAfter.count == packsBefore.count + 1)
    }

    @Test func deletedBranchesArePruned() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        try await fixture.commit("dev", branch: "dev")
        _ = try await fixture.source(ref: "dev").update()

        try await fixture.git("push", "-q", "origin", ":refs/heads/dev")

        let error = try await #require(throws: GitError.self) { try await fixture.source(ref: "dev").update() }
        #expect(error.code == .unknownReference)
    }

    @Test func forcePushedBranchIsFollowed() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit("one")
        let source = fixture.source()
        _ = try await source.update()
        try fixture.write("b.yaml", "b: 1\n")
        try await fixture.git("add", "-A")
        try await fixture.git("commit", "-q", "--amend", "-m", "rewritten")
        try await fixture.git("push", "-q", "-f", "origin", "HEAD:refs/heads/main")

        #expect(try await source.update().commit == fixture.git("rev-parse", "HEAD"))
    }

    @Test func cacheOfAnotherURLIsRejected() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        _ = try await fixture.source().update()
        let other = try await GitFixture()
        try await other.commit()

        let error = try await #require(throws: GitError.self) { try await fixture.source(url: other.bare).update() }

        #expect(error.code == .remoteMismatch)
        #expect(error.description.contains(fixture.bare))
        #expect(error.description.contains(other.bare))
        #expect(error.description.contains("separate cache directory"))
    }

    @Test func cacheWithoutAnOriginIsRejected() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        try await run(["git", "init", "-q", "--bare", fixture.cache.path])

        let error = try await #require(throws: GitError.self) { try await fixture.source().update() }

        #expect(error.code == .remoteMismatch)
        #expect(error.description.contains("no origin remote"))
    }

    @Test func cacheOfACredentialBearingURLIsReportedWithoutTheCredentials() async throws {
        let fixture = try await GitFixture()
        try await run(["git", "init", "-q", "--bare", fixture.cache.path])
        try await run(["git", "-C", fixture.cache.path, "remote", "add", "origin", "https://me:s3cret-token@example.com/c.git"])

        let error = try await #require(throws: GitError.self) { try await fixture.source().update() }

        #expect(error.code == .remoteMismatch)
        #expect(error.description.contains("https://example.com/c.git"))
        #expect(!error.description.contains("s3cret-token"))
    }

    @Test func concurrentUpdatesAndReadsAreSerialized() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.yaml", "a\n")
        let commit = try await fixture.commit()
        let source = fixture.source()

        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let revision = try await source.update()
                    _ = try await source.entries(at: revision)
                    return revision.commit
                }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }

        #expect(results == Array(repeating: commit, count: 8))
    }

    @Test func cacheDirectoryWithOtherContentsIsRejected() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        try FileManager.default.createDirectory(at: fixture.cache, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: fixture.cache.appendingPathComponent("notes.txt"))

        let error = try await #require(throws: GitError.self) { try await fixture.source().update() }

        #expect(error.code == .notARepository)
        #expect(error.description.contains(fixture.cache.path))
    }

    @Test func cacheThatIsAFileIsRejected() async throws {
        let fixture = try await GitFixture()
        try Data("x".utf8).write(to: fixture.cache)

        let error = try await #require(throws: GitError.self) { try await fixture.source().update() }

        #expect(error.code == .notARepository)
        #expect(error.description.contains("not a directory"))
    }

    @Test func emptyExistingCacheDirectoryIsUsed() async throws {
        let fixture = try await GitFixture()
        let commit = try await fixture.commit()
        try FileManager.default.createDirectory(at: fixture.cache, withIntermediateDirectories: true)

        #expect(try await fixture.source().update().commit == commit)
    }

    @Test func unreachableRemoteNamesTheURL() async throws {
        let fixture = try await GitFixture()
        let missing = fixture.root.url.appendingPathComponent("missing.git").path

        let error = try await #require(throws: GitError.self) { try await fixture.source(url: missing).update() }

        #expect(error.code == .notARepository)
        #expect(error.description.contains(missing))
    }
}
