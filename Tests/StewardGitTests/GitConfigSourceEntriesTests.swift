import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardGit

struct GitConfigSourceEntriesTests {
    @Test func listsEveryFileWithSizeKindAndBlobID() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        try fixture.write("manifests/apps/web.yaml", "kind: Project\nname: web\n")
        try fixture.write("scripts/deploy.sh", "#!/bin/sh\necho deploy\n")
        let script = URL(fileURLWithPath: fixture.workTree).appendingPathComponent("scripts/deploy.sh").path
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        try FileManager.default.createSymbolicLink(
            atPath: URL(fileURLWithPath: fixture.workTree).appendingPathComponent("manifests/current.yaml").path,
            withDestinationPath: "apps/web.yaml"
        )
        try await fixture.commit()
        let source = fixture.source()

        let entries = try await source.entries(at: source.update())

        let byPath = Dictionary(uniqueKeysWithValues: entries.map { ($0.path, $0) })
        #expect(Set(byPath.keys) == ["steward.yaml", "manifests/apps/web.yaml", "manifests/current.yaml", "scripts/deploy.sh"])
        for entry in entries {
            await #expect(entry.blobID == (try fixture.git("rev-parse", "HEAD:\(entry.path)")))
        }
        #expect(byPath["steward.yaml"] == ConfigEntry(path: "steward.yaml", blobID: byPath["steward.yaml"]!.blobID, size: 15))
        #expect(byPath["manifests/apps/web.yaml"]?.size == 24)
        #expect(byPath["manifests/apps/web.yaml"]?.kind == .file)
        #expect(byPath["scripts/deploy.sh"]?.kind == .executable)
        #expect(byPath["scripts/deploy.sh"]?.size == 22)
        #expect(byPath["manifests/current.yaml"]?.kind == .symlink)
        #expect(byPath["manifests/current.yaml"]?.symlinkTarget == "apps/web.yaml")
        #expect(byPath["manifests/current.yaml"]?.size == 13)
        #expect(byPath["steward.yaml"]?.symlinkTarget == nil)
    }

    @Test func contentsAreReadByBlobID() async throws {
        let fixture = try await GitFixture()
        try fixture.write("manifests/web.yaml", "kind: Project\n")
        try FileManager.default.createSymbolicLink(
            atPath: URL(fileURLWithPath: fixture.workTree).appendingPathComponent("link.yaml").path,
            withDestinationPath: "manifests/web.yaml"
        )
        try await fixture.commit()
        let source = fixture.source()
        let entries = try await source.entries(at: source.update())

        let file = try #require(entries.first { $0.path == "manifests/web.yaml" })
        let link = try #require(entries.first { $0.path == "link.yaml" })

        #expect(try await source.contents(of: file) == Data("kind: Project\n".utf8))
        #expect(try await source.contents(of: link) == Data("manifests/web.yaml".utf8))
    }

    @Test func entriesOfAnOlderRevisionStayReadable() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.yaml", "old\n")
        try await fixture.commit()
        let source = fixture.source()
        let old = try await source.update()
        try fixture.remove("a.yaml")
        try fixture.write("b.yaml", "new\n")
        try await fixture.commit()
        let new = try await source.update()

        #expect(try await source.entries(at: old).map(\.path) == ["a.yaml"])
        #expect(try await source.entries(at: new).map(\.path) == ["b.yaml"])
    }

    /// A submodule's files are never listed; the submodule itself is, as `.submodule` (the loader reports it).
    @Test func submodulesAreListedButNotTheirFiles() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        let commit = try await fixture.commit()
        try await fixture.git("update-index", "--add", "--cacheinfo", "160000,\(commit),vendor/lib")
        try await fixture.git("commit", "-q", "-m", "submodule")
        try await fixture.git("push", "-q", "origin", "HEAD:refs/heads/main")
        let source = fixture.source()

        let entries = try await source.entries(at: source.update())

        #expect(entries.map(\.path) == ["steward.yaml", "vendor/lib"])
        #expect(entries.last?.kind == .submodule && entries.last?.blobID == commit)
    }

    @Test func aNewInstanceReadsAnExistingCacheWithoutUpdating() async throws {
        let fixture = try await GitFixture()
        try fixture.write("a.yaml", "a\n")
        try await fixture.commit()
        let revision = try await fixture.source().update()

        let entries = try await fixture.source().entries(at: revision)

        #expect(entries.map(\.path) == ["a.yaml"])
    }

    @Test func readingBeforeAnyCloneFails() async throws {
        let fixture = try await GitFixture()
        let revision = ConfigRevision(commit: String(repeating: "a", count: 40), ref: "main")

        let error = try await #require(throws: GitError.self) { try await fixture.source().entries(at: revision) }

        #expect(error.code == .notARepository)
        #expect(error.description.contains("no clone"))
    }

    @Test func revisionWithoutCommitAndBadBlobIDsAreRejected() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        let source = fixture.source()
        _ = try await source.update()

        let noCommit = try await #require(throws: GitError.self) {
            try await source.entries(at: ConfigRevision(commit: nil, ref: "/srv/config"))
        }
        #expect(noCommit.code == .invalidObjectID)
        let badBlob = try await #require(throws: GitError.self) {
            try await source.contents(of: ConfigEntry(path: "x.yaml", blobID: "xyz", size: 1))
        }
        #expect(badBlob.code == .invalidObjectID)
        #expect(badBlob.description.contains("x.yaml"))
        let missingBlob = try await #require(throws: GitError.self) {
            try await source.contents(of: ConfigEntry(path: "x.yaml", blobID: String(repeating: "0", count: 40), size: 1))
        }
        #expect(missingBlob.code == .library)
    }

    @Test func tenThousandEntries() async throws {
        let fixture = try await GitFixture()
        try await generateFiles(in: fixture, directories: 101, filesPerDirectory: 100)
        try await fixture.commit()
        let source = fixture.source()
        let revision = try await source.update()

        let entries = try await source.entries(at: revision)

        #expect(entries.count == 10_100)
        #expect(entries.first { $0.path == "d100/f099.yaml" }?.size == "d100/f099\n".utf8.count)
    }
}

/// Writes `directories` × `filesPerDirectory` small distinct files (`dNNN/fNNN.yaml`) into the work tree.
func generateFiles(in fixture: GitFixture, directories: Int, filesPerDirectory: Int) async throws {
    try await BlockingWork.run("steward.test.generate-files") {
        try writeFiles(in: fixture, directories: directories, filesPerDirectory: filesPerDirectory)
    }
}

private func writeFiles(in fixture: GitFixture, directories: Int, filesPerDirectory: Int) throws {
    for directory in 0..<directories {
        let name = "d" + String(format: "%03d", directory)
        let url = URL(fileURLWithPath: fixture.workTree).appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for file in 0..<filesPerDirectory {
            let fileName = "f" + String(format: "%03d", file)
            try Data("\(name)/\(fileName)\n".utf8).write(to: url.appendingPathComponent(fileName + ".yaml"))
        }
    }
}
