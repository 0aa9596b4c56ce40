import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

struct GitRepositoryTests {
    @Test func openingAMissingRepositoryReportsLibgit2sMessage() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(throws: GitError.self) { try GitRepository.open(at: directory.url.appendingPathComponent("none")) }
        #expect(error.code == .library)
        #expect(error.libraryCode != nil)
        #expect(error.description.contains("open repository"))
        #expect(error.message.contains("none"))
    }

    @Test func openDoesNotSearchParentDirectories() async throws {
        let fixture = try await GitFixture()
        let inside = URL(fileURLWithPath: fixture.workTree).appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: inside, withIntermediateDirectories: true)
        #expect(throws: GitError.self) { try GitRepository.open(at: inside) }
    }

    @Test func createBareMakesAnEmptyBareRepository() throws {
        let directory = try TemporaryDirectory()
        let repository = try GitRepository.createBare(at: directory.url.appendingPathComponent("a/b.git"))
        #expect(repository.isBare)
        #expect(try repository.commitID(forReference: "refs/heads/main") == nil)
    }

    @Test func objectSizesAndBlobsAreReadByID() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.txt", "hello\n")
        try await fixture.commit()
        let repository = try GitRepository.open(at: URL(fileURLWithPath: fixture.bare))
        let blob = try await #require(GitObjectID(hex: try fixture.git("rev-parse", "HEAD:a.txt")))

        #expect(try repository.objectSize(blob) == 6)
        #expect(try repository.blobContents(blob) == Data("hello\n".utf8))
        #expect(throws: GitError.self) { try repository.objectSize(GitObjectID(hex: String(repeating: "1", count: 40))!) }
    }

    @Test func emptyBlobHasNoContents() async throws {
        let fixture = try await GitFixture()
        try fixture.write("empty", "")
        try await fixture.commit()
        let repository = try GitRepository.open(at: URL(fileURLWithPath: fixture.bare))
        let commit = try #require(try repository.commitID(forReference: "refs/heads/main"))

        let entries = try repository.entries(ofCommit: commit)

        #expect(entries.map(\.size) == [0])
        #expect(try repository.blobContents(GitObjectID(hex: entries[0].blobID)!) == Data())
    }

    @Test func tagOfATreeDoesNotResolveToACommit() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.txt", "a\n")
        try await fixture.commit()
        let tree = try await fixture.git("rev-parse", "HEAD^{tree}")
        try await fixture.git("tag", "tree-tag", tree)
        try await fixture.git("push", "-q", "origin", "refs/tags/tree-tag")
        let repository = try GitRepository.open(at: URL(fileURLWithPath: fixture.bare))

        let error = try #require(throws: GitError.self) { try repository.resolveCommit("tree-tag", branchNamespace: "refs/heads/") }

        #expect(error.code == .library)
        #expect(error.description.contains("refs/tags/tree-tag"))
    }

    @Test func objectIDsAreValidated() {
        #expect(GitObjectID(hex: "abc") == nil)
        #expect(GitObjectID(hex: String(repeating: "g", count: 40)) == nil)
        #expect(GitObjectID(hex: String(repeating: "A", count: 40))?.hex == String(repeating: "a", count: 40))
        #expect(GitObjectID(hex: String(repeating: "a", count: 40))?.description == String(repeating: "a", count: 40))
    }
}
