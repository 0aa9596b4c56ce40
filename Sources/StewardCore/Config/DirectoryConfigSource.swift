import Foundation
import StewardModel

/// A config repo read from a plain directory (a CI checkout), for `steward validate PATH`.
///
/// Blob ids are SHA-256 content hashes; `.git/` is skipped; symlinks are reported, never followed; a directory with
/// a `.git` of its own (a submodule's checkout, or another repository) is one `.submodule` entry, never walked, as
/// the git tree of the same repo shows it.
public struct DirectoryConfigSource: ConfigSource {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public func update() async throws -> ConfigRevision {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigSourceError("config directory \(root.path) does not exist or is not a directory")
        }
        return ConfigRevision(commit: nil, ref: root.path)
    }

    public func entries(at revision: ConfigRevision) async throws -> [ConfigEntry] {
        var result: [ConfigEntry] = []
        try walk(root, relative: "", into: &result)
        return result.sorted { $0.path < $1.path }
    }

    private func walk(_ directory: URL, relative: String, into result: inout [ConfigEntry]) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        for name in names where !(relative.isEmpty && name == ".git") {
            let url = directory.appendingPathComponent(name)
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            let type = attributes[.type] as? FileAttributeType
            if type == .typeSymbolicLink {
                let target = try FileManager.default.destinationOfSymbolicLink(atPath: url.path)
                result.append(ConfigEntry(
                    path: path, blobID: SHA256Digest.hex(target), size: target.utf8.count, kind: .symlink, symlinkTarget: target))
            } else if type == .typeDirectory {
                if FileManager.default.fileExists(atPath: url.appendingPathComponent(".git").path) {
                    result.append(ConfigEntry(path: path, blobID: "submodule", size: 0, kind: .submodule))
                    continue
                }
                try walk(url, relative: path, into: &result)
            } else if type == .typeRegular {
                let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
                let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
                // Large files are listed but not hashed: the loader refuses to read them anyway.
                let blobID = size > ManifestParser.maxFileSize ? "size:\(size)" : SHA256Digest.hex(try Data(contentsOf: url))
                result.append(ConfigEntry(
                    path: path, blobID: blobID, size: size, kind: permissions & 0o111 != 0 ? .executable : .file))
            }
        }
    }

    public func contents(of entry: ConfigEntry) async throws -> Data {
        let url = root.appendingPathComponent(entry.path)
        if entry.kind == .symlink { return Data((entry.symlinkTarget ?? "").utf8) }
        if entry.kind == .submodule { throw ConfigSourceError("\(entry.path) is a git submodule; its files are not read") }
        return try Data(contentsOf: url)
    }
}

/// A config source could not be read.
public struct ConfigSourceError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
