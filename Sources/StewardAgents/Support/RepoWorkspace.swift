import Foundation
import StewardCore

/// Worktrees of forge repositories: the files of a branch checked out into a directory, and committed
/// back. StewardGit's `LocalRepoWorkspace` has exactly these methods (the CLI declares the conformance).
public protocol RepoWorkspace: Sendable {
    /// Writes the files of `branch` into `directory`. - Returns: the branch's commit, nil when it has none.
    func checkout(_ repository: ForgeRepository, branch: String, into directory: URL) async throws -> String?
    /// The commit `branch` points at (fetched first for a mirrored repository), nil when it does not exist.
    func head(_ repository: ForgeRepository, branch: String) async throws -> String?
    /// Commits the files under `directory` as the new tree of `branch`, a new branch starting at `base`
    /// (nothing when unchanged).
    /// - Returns: the branch's commit afterwards; nil when a new branch would hold nothing beyond `base`.
    func commit(_ repository: ForgeRepository, branch: String, base: String?, from directory: URL, message: String) async throws -> String?
}
