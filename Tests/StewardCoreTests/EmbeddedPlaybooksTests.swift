import Foundation
import Glibc
import StewardCore
import StewardTestSupport
import Testing

/// The playbooks compiled into the binary (`EmbeddedPlaybooks`): the same as playbooks/, written once per content to
/// the state dir, read-only, and old contents removed once no process uses them.
struct EmbeddedPlaybooksTests {
    static let playbooks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("playbooks")

    @Test func theBinaryCarriesExactlyPlaybooksDirectory() throws {
        let checkout = try PlaybookLibrary(directory: Self.playbooks)
        #expect(checkout.treeHash == PlaybookLibrary.embeddedHash,
            "playbooks/ changed since Sources/StewardCore/Playbooks/EmbeddedPlaybooks.swift was written: run ./scripts/embed-playbooks.py")
        #expect(PlaybookLibrary.embeddedPlaybooks == checkout.playbooks)
        #expect(PlaybookLibrary.embeddedPlaybooks.contains("deploy_project.yml"))
    }

    /// Every file under `folder` of the checkout (caches left out), by its path there.
    static func filesOnDisk(_ folder: String) throws -> [String: String] {
        let root = Self.playbooks.deletingLastPathComponent().appendingPathComponent(folder)
        var onDisk: [String: String] = [:]
        for case let relative as String in FileManager.default.enumerator(atPath: root.path)! where !relative.contains("__pycache__") {
            let url = root.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            onDisk[relative] = try String(contentsOf: url, encoding: .utf8)
        }
        return onDisk
    }

    @Test func theBinaryCarriesExactlyTheCIExample() throws {
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedCIExample.files.map { ($0.path, $0.text) })
        #expect(embedded == (try Self.filesOnDisk("examples/ci")),
            "examples/ci changed since EmbeddedPlaybooks.swift was written: run ./scripts/embed-playbooks.py")
        #expect(embedded["steward.yml"] != nil && embedded["actionlint.yaml"] != nil)
    }

    @Test func theBinaryCarriesExactlyTheAppTemplates() throws {
        let onDisk = try Self.filesOnDisk("examples/templates")
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedTemplates.files.map { ($0.path, $0.text) })
        #expect(embedded == onDisk, "examples/templates changed since EmbeddedPlaybooks.swift was written: run ./scripts/embed-playbooks.py")
        #expect(embedded["python-web/app.py"] != nil)

        // Written beside the playbooks; each process keeps what it uses.
        let work = try TemporaryDirectory(prefix: "steward-templates")
        let folder = try PlaybookLibrary.embeddedTemplates(in: work.url)
        let library = try PlaybookLibrary.embedded(in: work.url)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("python-web/app.py").path))
        #expect(FileManager.default.fileExists(atPath: library.directory.appendingPathComponent("deploy_project.yml").path))
    }

    @Test func writtenOnceReadOnlyAndOldContentsGoWhenNobodyUsesThem() throws {
        let work = try TemporaryDirectory(prefix: "steward-embedded")
        let parent = work.url.appendingPathComponent("playbooks")
        // What an older Steward left: one folder a process still runs from, one nobody uses; and a config repo's cache.
        func oldFolder(_ name: String) throws -> URL {
            let folder = parent.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: folder.appendingPathComponent(".steward-playbooks"))
            try Data("old".utf8).write(to: folder.appendingPathComponent("deploy_project.yml"))
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: folder.appendingPathComponent("deploy_project.yml").path)
            return folder
        }
        let busy = try oldFolder("busy")
        let unused = try oldFolder("unused")
        let cache = parent.appendingPathComponent("config-tree")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        let holder = open(busy.appendingPathComponent(".steward-playbooks").path, O_RDONLY)
        #expect(flock(holder, LOCK_SH) == 0)

        let library = try PlaybookLibrary.embedded(in: parent)
        #expect(library.directory.lastPathComponent == PlaybookLibrary.embeddedHash)
        #expect(library.treeHash == PlaybookLibrary.embeddedHash, "the deploy inputs are those of the same files in a checkout")
        let deploy = library.directory.appendingPathComponent("deploy_project.yml").path
        let mode = try FileManager.default.attributesOfItem(atPath: deploy)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o444)
        let supervisor = library.directory.appendingPathComponent("files/steward_supervise.py").path
        #expect((try FileManager.default.attributesOfItem(atPath: supervisor)[.posixPermissions] as? NSNumber)?.intValue == 0o555)
        #expect(FileManager.default.fileExists(atPath: busy.path), "a process still holds it")
        #expect(!FileManager.default.fileExists(atPath: unused.path), "nobody holds it")
        #expect(FileManager.default.fileExists(atPath: cache.path), "not Steward's own playbooks: left alone")

        // Again: the same folder, nothing rewritten; the busy one goes once its holder lets go.
        let written = try FileManager.default.attributesOfItem(atPath: deploy)[.modificationDate] as? Date
        close(holder)
        let again = try PlaybookLibrary.embedded(in: parent)
        #expect(again.directory == library.directory)
        #expect(try FileManager.default.attributesOfItem(atPath: deploy)[.modificationDate] as? Date == written)
        #expect(!FileManager.default.fileExists(atPath: busy.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted() == [PlaybookLibrary.embeddedHash, "config-tree"].sorted())
    }
}
