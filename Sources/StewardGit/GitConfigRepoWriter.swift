import CLibGit2
import Foundation

/// Commits one file onto a branch of the config repo with libgit2, so a change made by an agent goes through
/// GitOps like a person's commit.
///
/// - A local path (a work tree or a bare repository) is written in place: the commit goes onto
///   `refs/heads/BRANCH`; when a work tree has that branch checked out, the file is checked out too (refusing
///   to overwrite a local edit of it).
/// - A URL (`file://`, `https://`, …) is cloned into a scratch directory (only the branch), committed there and
///   pushed, never forced; the https token comes only from `tokenEnvironmentVariable` (user `x-access-token`),
///   as for reading.
///
/// A branch that moved meanwhile (another writer) is read again and the change re-applied, up to 3 times.
///
/// `@unchecked Sendable`: it holds only constants; libgit2 work runs on a private serial queue.
public final class GitConfigRepoWriter: @unchecked Sendable {
    /// The config repo as configured: a local path or a URL without credentials.
    public let url: String
    /// The branch commits go onto.
    public let branch: String
    /// Where remote repositories are cloned for one commit (each clone removed afterwards).
    public let scratchDirectory: URL
    /// The environment variable holding the https token.
    public let tokenEnvironmentVariable: String
    /// Author and committer of every commit.
    public let author: (name: String, email: String)

    private let queue = DispatchQueue(label: "steward.git.config-writer")
    private static let attempts = 3

    /// - Parameters:
    ///   - url: a local path (absolute or relative to the current directory), or a `file://` / `https://` URL.
    ///   - branch: a branch name (`main`), not a full ref.
    public init(
        url: String, branch: String, scratchDirectory: URL, tokenEnvironmentVariable: String = "STEWARD_GIT_TOKEN",
        author: (name: String, email: String) = ("Steward", "steward@localhost")
    ) {
        self.url = url
        self.branch = branch
        self.scratchDirectory = scratchDirectory
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
        self.author = author
    }

    /// Whether commits are pushed to a remote (a URL) rather than written in place (a path).
    public var pushes: Bool { url.contains("://") }

    /// Commits the file at `path` as `change` rewrites it (it receives the current contents at the branch tip,
    /// nil when absent) and returns the new commit's id (40 hex digits).
    /// - Throws: what `change` throws; `GitError` when the repository cannot be read, written or pushed to.
    public func commit(
        path: String, message: String, change: @escaping @Sendable (Data?) throws -> Data
    ) async throws -> String {
        try await onQueue {
            let remoteURL = try GitRemoteURL(
                parsing: self.url, currentDirectory: FileManager.default.currentDirectoryPath,
                tokenVariable: self.tokenEnvironmentVariable)
            if self.pushes {
                return try self.commitAndPush(remoteURL, path: path, message: message, change: change)
            }
            return try self.commitInPlace(remoteURL.normalized, path: path, message: message, change: change)
        }
    }

    private func commitInPlace(
        _ directory: String, path: String, message: String, change: (Data?) throws -> Data
    ) throws -> String {
        guard FileManager.default.fileExists(atPath: directory) else {
            throw GitError(code: .notARepository, operation: "commit \(path) to the config repo",
                message: "\(directory) does not exist; pass --config-repo a git repository (path, file:// or https:// URL)")
        }
        let repository = try GitRepository.open(at: URL(fileURLWithPath: directory))
        let isCheckedOut = try !repository.isBare && repository.headBranch() == branch
        var attempt = 1
        // After a failed attempt the work tree holds that attempt's file: the next checkout starts from there.
        var checkedOut: GitObjectID?
        while true {
            guard let parent = try repository.commitID(forReference: "refs/heads/" + branch) else {
                throw noBranch(directory)
            }
            let current = try repository.fileContents(atCommit: parent, path: path)
            let commit = try repository.commitFile(
                path: path, contents: try change(current), parent: parent, message: message, author: author)
            if isCheckedOut {
                try repository.checkOut(path: path, of: commit, baseline: checkedOut ?? parent)
                checkedOut = commit
            }
            do {
                try repository.updateBranch(branch, to: commit, from: parent, message: "steward: \(message)")
                return commit.hex
            } catch let error as GitError where attempt < Self.attempts && Self.branchMoved(error) {
                attempt += 1
            }
        }
    }

    private func commitAndPush(
        _ remoteURL: GitRemoteURL, path: String, message: String, change: (Data?) throws -> Data
    ) throws -> String {
        let token = remoteURL.sendsToken ? getenv(tokenEnvironmentVariable).map { String(cString: $0) } : nil
        let clone = scratchDirectory.appendingPathComponent("config-commit-\(UUID().uuidString)", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: clone) }
        do {
            try FileManager.default.createDirectory(at: scratchDirectory, withIntermediateDirectories: true)
            let repository = try GitRepository.createBare(at: clone)
            let tracking = "refs/remotes/origin/" + branch
            let origin = try GitRemote.create(
                "origin", url: remoteURL.normalized, fetchRefspecs: ["+refs/heads/\(branch):\(tracking)"], in: repository)
            let credentials = { remoteURL.sendsToken ? GitTokenCredentials(token: token, variable: self.tokenEnvironmentVariable) : nil }
            var attempt = 1
            while true {
                try origin.fetchIfChanged(credentials: credentials())
                guard let parent = try repository.commitID(forReference: tracking) else {
                    throw noBranch(remoteURL.normalized)
                }
                let current = try repository.fileContents(atCommit: parent, path: path)
                let commit = try repository.commitFile(
                    path: path, contents: try change(current), parent: parent, message: message, author: author)
                let local = "steward-commit-\(attempt)"
                try repository.updateBranch(local, to: commit, from: nil, message: "steward: \(message)")
                do {
                    try origin.push(["refs/heads/\(local):refs/heads/\(branch)"], credentials: credentials())
                    return commit.hex
                } catch let error as GitError where attempt < Self.attempts && Self.branchMoved(error) {
                    attempt += 1
                }
            }
        } catch let error as GitError {
            throw error.redacting(token)
        }
    }

    /// Commits go onto an existing branch only: a tag or commit id given as the ref must not become a new branch.
    private func noBranch(_ repository: String) -> GitError {
        GitError(
            code: .unknownReference, operation: "commit to branch '\(branch)' of \(GitRemoteURL.redacted(repository))",
            message: "the config repo has no branch '\(branch)'; pass --ref the branch Steward reads (e.g. main)")
    }

    /// Whether the failure means another writer moved the branch first (worth a fresh attempt).
    private static func branchMoved(_ error: GitError) -> Bool {
        [GIT_EMODIFIED.rawValue, GIT_EEXISTS.rawValue, GIT_ENONFASTFORWARD.rawValue, GIT_ELOCKED.rawValue]
            .contains(error.libraryCode ?? 0)
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
