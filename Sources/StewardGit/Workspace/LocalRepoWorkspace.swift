import Foundation
import StewardCore
import StewardModel

/// Files of a branch of a local forge repository (a bare repo behind a `file://` clone URL), checked out into
/// a directory and committed back with libgit2: the agents' worktrees.
///
/// Only the local forge is supported: a GitHub repository would need a clone and a push.
public struct LocalRepoWorkspace: Sendable {
    public init() {}

    /// Writes the files of `branch` into `directory` (created; existing files are left alone).
    /// - Returns: the branch's commit, nil when the branch has no commit yet.
    /// - Throws: `GitError` for a repository that is not local or cannot be read.
    public func checkout(_ repository: ForgeRepository, branch: String, into directory: URL) async throws -> String? {
        let repo = try GitRepository.open(at: try Self.directory(of: repository))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard let commit = try repo.commitID(forReference: "refs/heads/\(branch)") else { return nil }
        for entry in try repo.entries(ofCommit: commit) {
            let target = directory.appendingPathComponent(entry.path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard let blob = GitObjectID(hex: entry.blobID) else { continue }
            if entry.kind == .symlink {
                try? FileManager.default.removeItem(at: target)
                try FileManager.default.createSymbolicLink(atPath: target.path, withDestinationPath: entry.symlinkTarget ?? "")
                continue
            }
            try repo.blobContents(blob).write(to: target)
            try FileManager.default.setAttributes(
                [.posixPermissions: entry.kind == .executable ? 0o755 : 0o644], ofItemAtPath: target.path)
        }
        return commit.hex
    }

    /// Commits every regular file under `directory` (`.git` and `__pycache__` left out) as the new tree of
    /// `branch`; nothing when the tree is unchanged.
    /// - Returns: the branch's commit afterwards (nil only for an empty directory on an empty branch).
    public func commit(_ repository: ForgeRepository, branch: String, from directory: URL, message: String) async throws -> String? {
        let repo = try GitRepository.open(at: try Self.directory(of: repository))
        var files: [String: GitTreeFile] = [:]
        let root = directory.standardizedFileURL.path
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            let parts = relative.split(separator: "/")
            if parts.contains(".git") || parts.contains("__pycache__") { continue }
            let path = root + "/" + relative
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            let mode = (attributes[.posixPermissions] as? Int) ?? 0o644
            files[relative] = GitTreeFile(
                contents: try Data(contentsOf: URL(fileURLWithPath: path)), executable: mode & 0o111 != 0)
        }
        if files.isEmpty { return try repo.commitID(forReference: "refs/heads/\(branch)")?.hex }
        if let commit = try repo.commit(files: files, branch: branch, message: message) { return commit.hex }
        return try repo.commitID(forReference: "refs/heads/\(branch)")?.hex
    }

    /// The bare repository directory behind a `file://` clone URL.
    static func directory(of repository: ForgeRepository) throws -> URL {
        guard repository.cloneURL.hasPrefix("file://") else {
            throw GitError(
                code: .unsupportedURL, operation: "open \(repository.fullName) for the agents",
                message: "only local forge repositories (file:// clone URLs) can be changed by the agents in this version; "
                    + "\(repository.cloneURL) is not one")
        }
        return URL(fileURLWithPath: String(repository.cloneURL.dropFirst("file://".count)))
    }
}
