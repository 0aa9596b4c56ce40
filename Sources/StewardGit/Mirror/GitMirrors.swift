import CLibGit2
import Foundation
import StewardCore

/// Bare mirrors of forge repositories that live on another machine (GitHub), at `root/OWNER/NAME.git`:
/// deploys bundle their commits from here, and the agents commit here and push.
///
/// A mirror fetches `+refs/heads/*:refs/heads/*` and tags (pruning), over HTTPS (or plain HTTP to this
/// machine only) with a token from `token`, given to libgit2 through its credential callback as user
/// `x-access-token`: never in a URL, the mirror's config, an argument list, a log line or an error.
/// `ensure` fetches only when the wanted commit is missing, so an unchanged pass costs no network at all.
///
/// Each operation holds an exclusive lock on `OWNER/NAME.git.lock`, so the reconcile loop, the agents and
/// other Steward processes never fetch into or push from one mirror at the same time.
public struct GitMirrors: Sendable {
    /// The directory that holds `OWNER/NAME.git`.
    public let root: URL
    /// Where the token comes from, as errors name it (e.g. `the GitHub credentials in forge.auth`).
    public let tokenSource: String
    private let token: @Sendable () async throws -> String
    private let tokenRejected: @Sendable (String) async -> Bool

    /// - Parameters:
    ///   - root: the mirrors directory (created when needed).
    ///   - tokenSource: names the token's origin in errors.
    ///   - token: the token for the forge's git endpoints; called only when the network is used.
    ///   - tokenRejected: told when the forge refused a token; true when `token` may now give a new one (a
    ///     revoked installation token), so the operation is tried once more.
    public init(
        root: URL, tokenSource: String, token: @escaping @Sendable () async throws -> String,
        tokenRejected: @escaping @Sendable (String) async -> Bool = { _ in false }
    ) {
        self.root = URL(fileURLWithPath: root.path).standardizedFileURL
        self.tokenSource = tokenSource
        self.token = token
        self.tokenRejected = tokenRejected
    }

    /// Runs `operation` with the token; once more with a new token when the forge refused the first and
    /// `tokenRejected` says a new one may work. Errors never hold a token.
    private func withToken<T>(_ operation: (String) async throws -> T) async throws -> T {
        let first = try await token()
        do {
            return try await operation(first)
        } catch let error as GitError where error.code == .authentication {
            guard await tokenRejected(first) else { throw error.redacting(first) }
            let second = try await token()
            do {
                return try await operation(second)
            } catch let error as GitError {
                throw error.redacting(second).redacting(first)
            }
        } catch let error as GitError {
            throw error.redacting(first)
        }
    }

    static let fetchRefspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]

    /// The mirror directory for a clone URL: `root/OWNER/NAME.git` from the URL's last two path segments.
    /// - Throws: `GitError` (`.unsupportedURL`, `.credentialsInURL`, `.invalidRepositoryName`) for a URL
    ///   that is not `https://HOST/OWNER/NAME(.git)` (or `http://` to this machine), or holds credentials.
    public func directory(for cloneURL: String) throws -> URL {
        _ = try Self.remoteURL(cloneURL)
        let path = URLComponents(string: cloneURL)?.path ?? ""
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2 else {
            throw GitError(code: .invalidRepositoryName, operation: "mirror \(cloneURL)",
                message: "the clone URL does not end in OWNER/NAME.git")
        }
        let owner = parts[parts.count - 2]
        let name = parts[parts.count - 1].hasSuffix(".git") ? String(parts[parts.count - 1].dropLast(4)) : parts[parts.count - 1]
        return try LocalForge(root: root).repositoryDirectory(for: "\(owner)/\(name)")
    }

    /// Makes sure `commit` is in the mirror of `cloneURL`: nothing happens when it is there already;
    /// otherwise the mirror is created or fetched.
    /// - Returns: the mirror and whether it was fetched.
    /// - Throws: `GitError`: `.authentication`, `.library` for network faults, `.unknownReference` when the
    ///   forge does not have the commit either. The mirror's refs are unchanged by a failed fetch.
    public func ensure(commit: String, cloneURL: String) async throws -> GitMirrorUpdate {
        let directory = try directory(for: cloneURL)
        guard let id = GitObjectID(hex: commit) else {
            throw GitError(code: .invalidObjectID, operation: "mirror \(cloneURL)", message: "'\(commit)' is not a commit id")
        }
        let present = try await locked(directory) {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("HEAD").path) else { return false }
            return try GitRepository.open(at: directory).commitID(matchingPrefix: id.hex) != nil
        }
        if present { return GitMirrorUpdate(directory: directory, fetched: false) }
        let update = try await self.update(cloneURL: cloneURL)
        let found = try await locked(directory) { try GitRepository.open(at: directory).commitID(matchingPrefix: id.hex) != nil }
        guard found else {
            throw GitError(code: .unknownReference, operation: "mirror \(GitRemoteURL.redacted(cloneURL))",
                message: "commit \(id.hex) is not on any branch or tag of the forge's repository")
        }
        return update
    }

    /// Creates the mirror on first use, else fetches what changed on the forge (one ref listing when nothing did).
    /// - Returns: the mirror and whether anything was downloaded.
    public func update(cloneURL: String) async throws -> GitMirrorUpdate {
        let directory = try directory(for: cloneURL)
        let source = tokenSource
        do {
            let fetched = try await withToken { token in
                try await locked(directory) {
                    let remote = try Self.origin(of: directory, url: cloneURL)
                    return try remote.fetchIfChanged(credentials: GitTokenCredentials(token: token, source: source))
                }
            }
            return GitMirrorUpdate(directory: directory, fetched: fetched)
        } catch let error as GitError {
            // The mirror's refs are as they were: libgit2 updates them only after a complete download.
            throw GitError(
                code: error.code, operation: "update the mirror \(directory.path) from \(GitRemoteURL.redacted(cloneURL))",
                message: "\(error.operation): \(error.message)", libraryCode: error.libraryCode)
        }
    }

    /// Runs `change` on the mirror (it commits to `refs/heads/BRANCH` and returns the branch's commit), then
    /// pushes the branch to the forge (never forced; also when `change` made no commit, so a commit of an
    /// interrupted attempt still arrives), all under the mirror's lock so no fetch moves the branch between.
    /// - Returns: what `change` returned.
    /// - Throws: `GitError`: `.authentication`; `.library` with `GIT_ENONFASTFORWARD` when the forge's branch
    ///   moved meanwhile (the next `update` brings the mirror back in line with it).
    public func commitAndPush(
        cloneURL: String, branch: String, _ change: @escaping @Sendable (GitRepository) throws -> String?
    ) async throws -> String? {
        let directory = try directory(for: cloneURL)
        let source = tokenSource
        return try await withToken { token in
            try await locked(directory) {
                let remote = try Self.origin(of: directory, url: cloneURL)
                let head = try change(remote.repository)
                if head != nil {
                    try remote.push(["refs/heads/\(branch):refs/heads/\(branch)"],
                        credentials: GitTokenCredentials(token: token, source: source))
                }
                return head
            }
        }
    }

    /// Fills the forge's (re-created, empty) repository of `cloneURL` with `commit` and its history: the mirror's
    /// `refs/heads/BRANCH` is set to `commit`, taken from the mirror when it holds it, else imported from `bundle`
    /// (a git bundle of it), and pushed (never forced; a forge branch already at `commit`, from an interrupted
    /// attempt, takes the push as a no-op). Under the mirror's lock, so no fetch prunes the branch in between.
    /// - Returns: where the history came from; nil (nothing changed) when neither the mirror nor `bundle` has it.
    /// - Throws: `GitError`: `.authentication`; `.library` with `GIT_ENONFASTFORWARD` when the forge's branch
    ///   holds other commits.
    public func restore(
        commit: GitObjectID, branch: String, cloneURL: String, bundle: URL?
    ) async throws -> GitMirrorRestore? {
        let directory = try directory(for: cloneURL)
        let source = tokenSource
        return try await withToken { token in
            try await locked(directory) { () throws -> GitMirrorRestore? in
                let remote = try Self.origin(of: directory, url: cloneURL)
                let repository = remote.repository
                var origin = GitMirrorRestore.mirror
                if try repository.commitID(matchingPrefix: commit.hex) != commit {
                    guard let bundle, FileManager.default.fileExists(atPath: bundle.path) else { return nil }
                    // Into a branch of its own: the mirror's BRANCH may still point at a commit the forge lost.
                    let scratch = "steward-restore-\(commit.hex.prefix(12))"
                    try repository.deleteBranch(scratch)
                    let imported = try repository.importBundle(bundle, branch: scratch)
                    try repository.deleteBranch(scratch)
                    guard imported == commit else {
                        throw GitError(code: .library, operation: "restore \(GitRemoteURL.redacted(cloneURL))",
                            message: "bundle \(bundle.path) holds \(imported.hex), not \(commit.hex)")
                    }
                    origin = .bundle
                }
                let current = try repository.commitID(forReference: "refs/heads/\(branch)")
                if current != commit {
                    try repository.updateBranch(branch, to: commit, from: current, message: "steward: restore \(branch) for the re-created repository")
                }
                try remote.push(["refs/heads/\(branch):refs/heads/\(branch)"],
                    credentials: GitTokenCredentials(token: token, source: source))
                return origin
            }
        }
    }

    /// Runs `body` with the mirror's repository, under the mirror's lock (for reads and local commits).
    public func withRepository<T: Sendable>(cloneURL: String, _ body: @escaping @Sendable (GitRepository) throws -> T) async throws -> T {
        let directory = try directory(for: cloneURL)
        return try await locked(directory) {
            _ = try Self.origin(of: directory, url: cloneURL)
            return try body(try GitRepository.open(at: directory))
        }
    }

    // MARK: - Helpers

    /// The checked URL: https, or http to this machine (where nothing crosses a network).
    static func remoteURL(_ cloneURL: String) throws -> GitRemoteURL {
        let parsed = try GitRemoteURL(parsing: cloneURL, currentDirectory: "/", tokenVariable: "forge.auth")
        guard parsed.transport == .https || (parsed.transport == .http && parsed.sendsToken) else {
            throw GitError(code: .unsupportedURL, operation: "mirror \(GitRemoteURL.redacted(cloneURL))",
                message: "a forge token is sent only over https (or plain http to this machine)")
        }
        return parsed
    }

    /// The mirror's `origin`, the bare repository created on first use, re-pointed when the forge's URL for
    /// the repository changed (a rename, or a new API host).
    private static func origin(of directory: URL, url: String) throws -> GitRemote {
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent("HEAD").path) {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let repository = try GitRepository.createBare(at: directory)
            return try GitRemote.create("origin", url: url, fetchRefspecs: fetchRefspecs, in: repository)
        }
        let repository = try GitRepository.open(at: directory)
        guard let existing = try GitRemote.lookup("origin", in: repository, fetchRefspecs: fetchRefspecs) else {
            return try GitRemote.create("origin", url: url, fetchRefspecs: fetchRefspecs, in: repository)
        }
        return existing.url == url
            ? existing : try GitRemote.repoint("origin", to: url, fetchRefspecs: fetchRefspecs, in: repository)
    }

    /// Runs `body` off the cooperative pool (`BlockingWork`: `DispatchQueue.global()` would be the pool
    /// itself), holding an exclusive lock on `DIRECTORY.lock`; waiting for the lock blocks that thread only.
    private func locked<T: Sendable>(_ directory: URL, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run("steward.git.mirror") {
            try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
            return try FileLock.withExclusiveLock(directory.path + ".lock", operation: "lock the mirror \(directory.path)", body)
        }
    }
}

/// Where a mirror is and whether the last operation downloaded from the forge.
public struct GitMirrorUpdate: Sendable, Hashable {
    public var directory: URL
    public var fetched: Bool
}

/// Where `GitMirrors.restore` found the history it pushed.
public enum GitMirrorRestore: String, Sendable, Hashable {
    /// The mirror held the commit.
    case mirror
    /// Steward's bundle of the commit, imported into the mirror.
    case bundle
}
