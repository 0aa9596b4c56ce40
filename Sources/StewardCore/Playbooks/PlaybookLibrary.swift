import Foundation
import StewardModel

/// Steward's own `playbooks/` directory (deploy, remove, callback plugin) and the config repo's playbooks.
public struct PlaybookLibrary: Sendable {
    /// Steward's own playbooks directory.
    public let directory: URL
    /// Playbook files in it, relative (`deploy_project.yml`).
    public let playbooks: Set<String>
    /// SHA-256 over the contents of every file in it: part of the deploy inputs.
    public let treeHash: String

    /// Reads the directory's listing and hashes its files.
    /// - Throws: when the directory does not hold `deploy_project.yml`.
    public init(directory: URL) throws {
        self.directory = directory.standardizedFileURL
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: directory.appendingPathComponent("deploy_project.yml").path) else {
            throw ConfigSourceError("Steward's playbooks directory \(directory.path) has no deploy_project.yml")
        }
        var playbooks: Set<String> = []
        var hashInput = ""
        let base = self.directory.path
        let files = (fileManager.enumerator(atPath: base)?.allObjects as? [String] ?? []).sorted()
        for relative in files {
            let url = self.directory.appendingPathComponent(relative)
            var isDirectory: ObjCBool = false
            guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                !relative.contains("__pycache__"), relative != Self.markerName
            else { continue }
            let data = (try? Data(contentsOf: url)) ?? Data()
            hashInput += "\(relative)\0\(SHA256Digest.hex(data))\n"
            if !relative.contains("/"), relative.hasSuffix(".yml") || relative.hasSuffix(".yaml") {
                playbooks.insert(relative)
            }
        }
        self.playbooks = playbooks
        self.treeHash = SHA256Digest.hex(hashInput)
    }

    /// Where a playbook of the deploy inputs comes from (the config repo's `playbooks/` first, else Steward's own),
    /// or nil when neither tree has it; from what the revision's load already listed and hashed.
    public func source(for playbook: String, in loaded: LoadedConfig) -> PlaybookSource? {
        if loaded.configPlaybooks.contains("playbooks/\(playbook)") {
            return PlaybookSource(playbook: playbook, origin: .configRepo, treeHash: loaded.configPlaybooksTreeHash)
        }
        if playbooks.contains(playbook) {
            return PlaybookSource(playbook: playbook, origin: .steward, treeHash: treeHash)
        }
        return nil
    }

    /// Hash of a tree listing: its paths, kinds and blob ids.
    static func treeHash(of entries: [ConfigEntry]) -> String {
        SHA256Digest.hex(entries.sorted { $0.path < $1.path }.map { "\($0.path)\0\($0.kind.rawValue)\0\($0.blobID)\n" }.joined())
    }

    /// The absolute path of a playbook, writing the config repo's `playbooks/` tree to
    /// `<cache>/<treeHash>/` first when it comes from there (once per tree; reused afterwards).
    public func path(
        of source: PlaybookSource, entries: [ConfigEntry], config: any ConfigSource, cache: URL
    ) async throws -> URL {
        guard source.origin == .configRepo else { return directory.appendingPathComponent(source.playbook) }
        let target = cache.appendingPathComponent(source.treeHash, isDirectory: true)
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: target.path) {
            let staging = cache.appendingPathComponent(".staging-\(UUID().uuidString)", isDirectory: true)
            try fileManager.createDirectory(at: staging, withIntermediateDirectories: true)
            for entry in entries where entry.path.hasPrefix("playbooks/") && entry.kind != .submodule {
                let relative = String(entry.path.dropFirst("playbooks/".count))
                let file = staging.appendingPathComponent(relative)
                try fileManager.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                if entry.kind == .symlink {
                    // Only links that stay inside the tree are written; validation rejected playbooks using others.
                    let target = entry.symlinkTarget ?? ""
                    let depth = relative.split(separator: "/").count - 1
                    let ups = target.split(separator: "/").filter { $0 == ".." }.count
                    if !target.hasPrefix("/"), ups <= depth {
                        try fileManager.createSymbolicLink(atPath: file.path, withDestinationPath: target)
                    }
                    continue
                }
                try await config.contents(of: entry).write(to: file)
                if entry.kind == .executable {
                    try fileManager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
                }
            }
            do {
                try fileManager.moveItem(at: staging, to: target)
            } catch {
                // Another process materialized the same tree first: theirs is identical.
                try? fileManager.removeItem(at: staging)
                guard fileManager.fileExists(atPath: target.path) else { throw error }
            }
        }
        return target.appendingPathComponent(source.playbook)
    }
}
