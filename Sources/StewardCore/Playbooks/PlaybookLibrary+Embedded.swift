import Foundation
import StewardModel
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Steward's playbooks from the binary itself (`EmbeddedPlaybooks`, docs/ARCHITECTURE.md §6), so a `steward` copied
/// onto PATH runs from any directory. They are written once per content to `PARENT/<content hash>/`, read-only, and
/// used from there; `STEWARD_PLAYBOOKS` (a directory) overrides them for developing the playbooks.
extension PlaybookLibrary {
    /// The file that marks a folder as Steward's own playbooks (not a config repo's cache beside them); each process
    /// using the folder holds a shared lock on it.
    static let markerName = ".steward-playbooks"

    /// The playbooks among the embedded files (top-level `.yml`), as `init(directory:)` lists them.
    public static var embeddedPlaybooks: Set<String> {
        Set(EmbeddedPlaybooks.files.map(\.path).filter { !$0.contains("/") && ($0.hasSuffix(".yml") || $0.hasSuffix(".yaml")) })
    }

    /// SHA-256 over the embedded files as `init(directory:)` hashes a directory holding them: the same content gives
    /// the same deploy inputs, whether the playbooks come from the binary or from a checkout.
    public static var embeddedHash: String { contentHash(EmbeddedPlaybooks.files) }

    /// Writes the embedded playbooks to `parent/<content hash>/` unless they are there, opens them, holds a shared
    /// lock on the folder for the rest of this process, and removes the other Steward folders under `parent` that no
    /// process holds (an upgrade's old ones, once nothing runs from them).
    public static func embedded(in parent: URL) throws -> PlaybookLibrary {
        let hash = embeddedHash
        let target = try materialize(EmbeddedPlaybooks.files, named: hash, in: parent)
        let library = try PlaybookLibrary(directory: target)
        guard library.treeHash == hash else {
            throw ConfigSourceError("Steward's playbooks in \(target.path) were changed (their hash is not \(hash.prefix(12))); remove the folder")
        }
        return library
    }

    /// The agents' app templates from the binary (`EmbeddedTemplates`), written as the playbooks are, to
    /// `parent/templates-<content hash>/`. - Returns: the folder holding one directory per template.
    public static func embeddedTemplates(in parent: URL) throws -> URL {
        try materialize(EmbeddedTemplates.files, named: "templates-\(contentHash(EmbeddedTemplates.files))", in: parent)
    }

    private static func contentHash(_ files: [(path: String, executable: Bool, text: String)]) -> String {
        var input = ""
        for file in files.sorted(by: { $0.path < $1.path }) {
            input += "\(file.path)\0\(SHA256Digest.hex(Data(file.text.utf8)))\n"
        }
        return SHA256Digest.hex(input)
    }

    /// Writes `files` to `parent/name/` unless a complete copy is there (staged, then renamed into place; read-only
    /// files), holds a shared lock on it for the rest of this process, and removes the unused Steward folders beside it.
    /// The lock is taken before the folder is used: on the staged copy before its rename, or on the copy found, which is
    /// then looked at again (another process may have removed it, unheld, just before the lock).
    private static func materialize(_ files: [(path: String, executable: Bool, text: String)], named name: String, in parent: URL) throws -> URL {
        let target = parent.appendingPathComponent(name, isDirectory: true)
        let marker = target.appendingPathComponent(markerName)
        let fileManager = FileManager.default
        for _ in 0..<3 {
            if fileManager.fileExists(atPath: marker.path) {
                holdShared(marker)
                if fileManager.fileExists(atPath: marker.path) { break }
                heldMarkers.withLock { _ = $0.remove(marker.path) }
                continue
            }
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            let staging = parent.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
            defer { try? removeTree(staging) }
            for file in files {
                let url = staging.appendingPathComponent(file.path)
                try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(file.text.utf8).write(to: url)
                try fileManager.setAttributes([.posixPermissions: file.executable ? 0o555 : 0o444], ofItemAtPath: url.path)
            }
            // Written last: a folder with the marker is complete. Locked before the rename, so it is held from the
            // moment it can be seen (the lock belongs to the file, which the rename keeps).
            let stagedMarker = staging.appendingPathComponent(markerName)
            try Data("Steward's \(name), written by steward; read-only\n".utf8).write(to: stagedMarker)
            let descriptor = open(stagedMarker.path, O_RDONLY | O_CLOEXEC)
            if descriptor >= 0 { _ = flock(descriptor, LOCK_SH) }
            do {
                try fileManager.moveItem(at: staging, to: target)
                if descriptor >= 0 { heldMarkers.withLock { _ = $0.insert(marker.path) } }
                break
            } catch where fileManager.fileExists(atPath: marker.path) {
                // Another process wrote the same content first: use (and lock) its copy.
                if descriptor >= 0 { close(descriptor) }
            }
        }
        removeUnused(in: parent, keeping: name)
        return target
    }

    /// Keeps a shared lock on `marker` until the process ends (the descriptor is never closed); once per marker, however
    /// often a long-running controller asks for the folder.
    private static func holdShared(_ marker: URL) {
        let fresh = heldMarkers.withLock { $0.insert(marker.path).inserted }
        guard fresh else { return }
        let descriptor = open(marker.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            heldMarkers.withLock { _ = $0.remove(marker.path) }
            return
        }
        _ = flock(descriptor, LOCK_SH)
    }

    private static let heldMarkers = Mutex<Set<String>>([])

    /// Removes Steward playbook folders under `parent` other than `keeping` whose marker nobody holds a lock on, and
    /// staging folders an hour old (a process killed while it wrote one).
    private static func removeUnused(in parent: URL, keeping hash: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name != hash {
            let folder = parent.appendingPathComponent(name, isDirectory: true)
            if name.hasPrefix(".staging-") {
                let modified = (try? FileManager.default.attributesOfItem(atPath: folder.path)[.modificationDate]) as? Date
                if let modified, modified < Date().addingTimeInterval(-3600) { try? removeTree(folder) }
                continue
            }
            let marker = folder.appendingPathComponent(markerName)
            let descriptor = open(marker.path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            // Busy: a process still runs from it (an older steward run during an upgrade).
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            try? removeTree(folder)
        }
    }

    /// Removes a tree whose files and folders may be read-only.
    static func removeTree(_ url: URL) throws {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: url.path) else { return }
        if let enumerator = fileManager.enumerator(atPath: url.path) {
            for case let relative as String in enumerator {
                try? fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.appendingPathComponent(relative).path)
            }
        }
        try fileManager.removeItem(at: url)
    }
}
