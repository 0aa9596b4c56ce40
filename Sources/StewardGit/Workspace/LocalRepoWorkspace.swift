import Foundation
import StewardCore
import StewardModel

/// Files of a branch of a forge repository, checked out into a directory and committed back with libgit2:
/// the agents' worktrees.
///
/// A local forge repository (a bare repo behind a `file://` clone URL) is read and committed to directly.
/// Any other (GitHub) goes through its local mirror (`mirrors`): a checkout fetches what changed first; a
/// commit is made in the mirror and pushed, with the forge token given to libgit2 only.
public struct LocalRepoWorkspace: Sendable {
    /// Mirrors of remote forge repositories; nil: only local forge repositories can be worked on.
    public let mirrors: GitMirrors?

    public init(mirrors: GitMirrors? = nil) {
        self.mirrors = mirrors
    }

    /// Writes the files of `branch` into `directory` (created; existing files are left alone).
    /// - Returns: the branch's commit, nil when the branch has no commit yet.
    /// - Throws: `GitError` for a repository that is not local or cannot be read.
    public func checkout(_ repository: ForgeRepository, branch: String, into directory: URL) async throws -> String? {
        let bare = try await bareDirectory(of: repository, update: true)
        // Reading the whole tree and writing every file: off the cooperative pool.
        return try await BlockingWork.run("steward.git.checkout") { try Self.checkout(bare, branch: branch, into: directory) }
    }

    private static func checkout(_ bare: URL, branch: String, into directory: URL) throws -> String? {
        let repo = try GitRepository.open(at: bare)
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

    /// The commit `branch` points at (fetched first for a mirrored repository), nil when it does not exist.
    public func head(_ repository: ForgeRepository, branch: String) async throws -> String? {
        let bare = try await bareDirectory(of: repository, update: true)
        return try await BlockingWork.run("steward.git.head") {
            try GitRepository.open(at: bare).commitID(forReference: "refs/heads/\(branch)")?.hex
        }
    }

    /// Commits every regular file under `directory` (`.git` and `__pycache__` left out) as the new tree of
    /// `branch` (a new branch starts at `base`); nothing when the tree is unchanged. For a mirrored repository
    /// the branch is then pushed (also when unchanged, so a commit of an interrupted attempt still reaches the
    /// forge).
    /// - Returns: the branch's commit afterwards (nil for an empty directory on an empty branch, and for a new
    ///   branch that would hold nothing beyond `base`).
    public func commit(
        _ repository: ForgeRepository, branch: String, base: String? = nil, from directory: URL, message: String
    ) async throws -> String? {
        let files = try await BlockingWork.run("steward.git.read-files") { try Self.files(under: directory) }
        let write: @Sendable (GitRepository) throws -> String? = { repo in
            if files.isEmpty { return try repo.commitID(forReference: "refs/heads/\(branch)")?.hex }
            if let commit = try repo.commit(files: files, branch: branch, base: base, message: message) { return commit.hex }
            return try repo.commitID(forReference: "refs/heads/\(branch)")?.hex
        }
        if repository.cloneURL.hasPrefix("file://") {
            let bare = try await bareDirectory(of: repository, update: false)
            return try await BlockingWork.run("steward.git.commit") { try write(try GitRepository.open(at: bare)) }
        }
        _ = try await bareDirectory(of: repository, update: false)
        return try await mirrors!.commitAndPush(cloneURL: repository.cloneURL, branch: branch, write)
    }

    /// Every regular file under `directory`, `.git` and `__pycache__` left out.
    private static func files(under directory: URL) throws -> [String: GitTreeFile] {
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
        return files
    }

    /// The bare repository to work in: the local forge's own, or the mirror (fetched first when `update`).
    private func bareDirectory(of repository: ForgeRepository, update: Bool) async throws -> URL {
        if repository.cloneURL.hasPrefix("file://") {
            return URL(fileURLWithPath: String(repository.cloneURL.dropFirst("file://".count)))
        }
        guard let mirrors else {
            throw GitError(
                code: .unsupportedURL, operation: "open \(repository.fullName) for the agents",
                message: "\(GitRemoteURL.redacted(repository.cloneURL)) is not a local forge repository and no mirrors "
                    + "directory is configured for remote ones")
        }
        if update { return try await mirrors.update(cloneURL: repository.cloneURL).directory }
        return try mirrors.directory(for: repository.cloneURL)
    }
}
