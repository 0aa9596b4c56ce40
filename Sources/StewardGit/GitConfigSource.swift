import CLibGit2
import Foundation
import StewardCore
import StewardModel

/// The config repo read through libgit2: a bare mirror clone in a cache directory, fetched incrementally.
///
/// The first `update()` creates the clone (branches under `refs/remotes/origin/`, tags under
/// `refs/tags/`); later ones fetch only when the remote's refs changed. No working tree is ever written:
/// entries and contents are read from the object database.
///
/// Credentials for https come only from the environment variable named by `tokenEnvironmentVariable`,
/// sent as user `x-access-token`; the token is never written to disk, a URL or an error message.
/// A cache directory that holds a clone of another URL is an error, never silently re-pointed, since two
/// configurations sharing one cache by mistake would otherwise fight over it.
///
/// `@unchecked Sendable`: the only mutable state (the open repository and its remote) is touched only on
/// `queue`, a serial queue, which also keeps blocking libgit2 I/O off Swift's cooperative thread pool.
public final class GitConfigSource: ConfigSource, @unchecked Sendable {
    /// The repo as configured: a local path, `file://` or `https://` (or loopback `http://`) URL.
    public let url: String
    /// Branch, tag, full ref name or commit id to read.
    public let ref: String
    /// Directory of the bare clone.
    public let cacheDirectory: URL
    /// Environment variable that holds the https token.
    public let tokenEnvironmentVariable: String
    /// False reads the clone as it is (`plan` on a read-only state dir): `update()` resolves the ref without a fetch.
    public let fetches: Bool

    /// Where branches of the remote land in the mirror.
    static let branchNamespace = "refs/remotes/origin/"
    static let fetchRefspecs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]

    private let remoteURL: Result<GitRemoteURL, GitError>
    private let queue = DispatchQueue(label: "steward.git.config-source")
    /// Opened on first use; only touched on `queue`.
    private var origin: GitRemote?

    /// Creates the source; nothing is read until `update()`, which also reports an unusable URL.
    /// - Parameters:
    ///   - url: a local path (absolute, or relative to the current directory), `file://` or `https://` URL,
    ///     without credentials.
    ///   - ref: branch, tag, full ref name (`refs/…`) or commit id (at least 7 hex digits).
    ///   - cacheDirectory: where the bare clone lives; created when missing.
    ///   - tokenEnvironmentVariable: the variable that holds the token for https.
    ///   - fetches: false reads the existing clone without fetching (and never creates one).
    public init(
        url: String, ref: String, cacheDirectory: URL, tokenEnvironmentVariable: String = "STEWARD_GIT_TOKEN",
        fetches: Bool = true
    ) {
        self.url = url
        self.ref = ref
        self.cacheDirectory = cacheDirectory
        self.tokenEnvironmentVariable = tokenEnvironmentVariable
        self.fetches = fetches
        remoteURL = Result { () throws(GitError) in
            try GitRemoteURL(
                parsing: url,
                currentDirectory: FileManager.default.currentDirectoryPath,
                tokenVariable: tokenEnvironmentVariable
            )
        }
    }

    /// Clones on first use (also in a new process with an empty cache), otherwise fetches what changed,
    /// then resolves `ref`.
    /// - Throws: `GitError`: `.credentialsInURL`, `.unsupportedURL`, `.remoteMismatch`, `.notARepository`,
    ///   `.authentication`, `.unknownReference` (naming the ref and the URL), or `.library`.
    public func update() async throws -> ConfigRevision {
        try await onQueue { try self.updateNow() }
    }

    /// Every file of the revision's commit, recursively (see `GitRepository.entries(ofCommit:)`), and its
    /// submodules as `.submodule` entries (their files are never read: the loader reports them).
    public func entries(at revision: ConfigRevision) async throws -> [ConfigEntry] {
        try await onQueue {
            let commit = try Self.commitID(of: revision)
            return try self.openedRemote(creating: false).repository.entries(ofCommit: commit, includingSubmodules: true)
        }
    }

    /// The contents of an entry's blob; for a symlink, the target.
    public func contents(of entry: ConfigEntry) async throws -> Data {
        try await onQueue {
            guard let blob = GitObjectID(hex: entry.blobID) else {
                throw GitError(
                    code: .invalidObjectID,
                    operation: "read \(entry.path)",
                    message: "'\(entry.blobID)' is not a git blob id (40 hex digits)"
                )
            }
            return try self.openedRemote(creating: false).repository.blobContents(blob)
        }
    }

    private func updateNow() throws -> ConfigRevision {
        let remoteURL = try remoteURL.get()
        let token = remoteURL.sendsToken ? getenv(tokenEnvironmentVariable).map { String(cString: $0) } : nil
        if remoteURL.transport == .local {
            let path = remoteURL.normalized.hasPrefix("file://") ? String(remoteURL.normalized.dropFirst(7)) : remoteURL.normalized
            guard FileManager.default.fileExists(atPath: path) else {
                throw GitError(code: .notARepository, operation: "read the config repo",
                    message: "\(path) does not exist; pass --config-repo a git repository (path, file:// or https:// URL)")
            }
        }
        do {
            let origin = try openedRemote(creating: fetches)
            let credentials = remoteURL.sendsToken
                ? GitTokenCredentials(token: token, variable: tokenEnvironmentVariable)
                : nil
            if fetches { try origin.fetchIfChanged(credentials: credentials) }
            let commit = try origin.repository.resolveCommit(ref, branchNamespace: Self.branchNamespace)
            guard let commit else { throw GitError.unknownReference(ref, repository: remoteURL.normalized) }
            return ConfigRevision(commit: commit.hex, ref: ref)
        } catch let error as GitError where (token ?? "").isEmpty && error.message.contains("authentication required") {
            // libgit2 says "remote authentication required but no callback set": say where the token goes.
            throw GitError(
                code: .authentication, operation: error.operation,
                message: "the config repo asks for credentials: put a token in the environment variable \(tokenEnvironmentVariable) "
                    + "and use an https:// URL (a token is sent only over https://, or over http:// to this machine)",
                libraryCode: error.libraryCode)
        } catch let error as GitError {
            throw error.redacting(token)
        }
    }

    /// The `origin` remote of the cached clone, opened once per instance; a missing or empty cache
    /// directory becomes a new bare clone when `creating`.
    private func openedRemote(creating: Bool) throws -> GitRemote {
        if let origin { return origin }
        let remoteURL = try remoteURL.get()
        let directory = cacheDirectory.path
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            throw GitError(
                code: .notARepository,
                operation: "open the config repo cache \(directory)",
                message: "it is a file, not a directory; remove it or choose another cache directory"
            )
        }
        let isEmpty = try !exists || FileManager.default.contentsOfDirectory(atPath: directory).isEmpty
        let remote: GitRemote
        if isEmpty {
            guard creating else {
                throw GitError(
                    code: .notARepository,
                    operation: "open the config repo cache \(directory)",
                    message: "there is no clone there yet; update the source first"
                )
            }
            try FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
            let repository = try GitRepository.createBare(at: cacheDirectory)
            remote = try GitRemote.create(
                "origin",
                url: remoteURL.normalized,
                fetchRefspecs: Self.fetchRefspecs,
                in: repository
            )
        } else {
            let repository: GitRepository
            do {
                repository = try GitRepository.open(at: cacheDirectory)
            } catch let error as GitError {
                throw GitError(
                    code: .notARepository,
                    operation: "open the config repo cache \(directory)",
                    message: "the directory is not empty and holds no git repository (\(error.message)); "
                        + "remove it or choose another cache directory"
                )
            }
            let existing = try GitRemote.lookup("origin", in: repository, fetchRefspecs: Self.fetchRefspecs)
            guard let existing, existing.url == remoteURL.normalized else {
                let other = existing.map { GitRemoteURL.redacted($0.url) } ?? "no origin remote"
                throw GitError(
                    code: .remoteMismatch,
                    operation: "open the config repo cache \(directory)",
                    message: "it holds a clone of \(other), not \(remoteURL.normalized); "
                        + "remove the directory or use a separate cache directory for each repo URL"
                )
            }
            remote = existing
        }
        origin = remote
        return remote
    }

    private static func commitID(of revision: ConfigRevision) throws -> GitObjectID {
        guard let hex = revision.commit, let commit = GitObjectID(hex: hex) else {
            throw GitError(
                code: .invalidObjectID,
                operation: "list the files of revision '\(revision.ref)'",
                message: "the revision has no commit id (\(revision.commit ?? "none")); "
                    + "pass a revision returned by update()"
            )
        }
        return commit
    }

    /// Runs `body` on `queue`, so the repository is used by one thread at a time.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
