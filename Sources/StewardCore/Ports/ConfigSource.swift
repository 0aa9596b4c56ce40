import Foundation
import StewardModel

/// The config repo revision a reconcile reads: a commit for git sources, nil for a plain directory.
public struct ConfigRevision: Sendable, Hashable, Codable {
    /// Full hex commit id; nil for a directory source.
    public var commit: String?
    /// The ref it was resolved from (`main`, `v1.2`, a commit id), or the directory path.
    public var ref: String

    public init(commit: String?, ref: String) {
        self.commit = commit
        self.ref = ref
    }
}

/// Where manifests come from: a git repo read through libgit2, or a directory for `steward validate PATH`.
public protocol ConfigSource: Sendable {
    /// Brings the source up to date (clone on first use, then incremental fetch) and resolves the ref.
    /// - Throws: when the repo cannot be reached or the ref does not exist; the message names both.
    func update() async throws -> ConfigRevision

    /// Every file of the revision (recursively), without contents. Reads no blob.
    func entries(at revision: ConfigRevision) async throws -> [ConfigEntry]

    /// The contents of one entry (by its blob id). For a symlink, the link target bytes.
    func contents(of entry: ConfigEntry) async throws -> Data
}

/// A project repository on the forge, resolved to an exact commit.
public struct ResolvedRepo: Sendable, Hashable, Codable {
    /// URL a deploy clones from (`file:///…/forge/acme/app.git` for the local forge).
    public var cloneURL: String
    /// Full hex commit id the ref points at.
    public var commit: String

    public init(cloneURL: String, commit: String) {
        self.cloneURL = cloneURL
        self.commit = commit
    }
}

/// Resolves `owner/name` + ref to a commit on the forge. The full forge protocol (list, create) builds on it.
public protocol RepoResolver: Sendable {
    /// - Returns: nil when the repository does not exist.
    /// - Throws: when the repository exists but the ref does not, or the forge cannot be read.
    func resolve(repo: String, ref: String) async throws -> ResolvedRepo?
}
