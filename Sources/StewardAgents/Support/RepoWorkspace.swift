import Foundation
import StewardCore

/// Worktrees of forge repositories: the files of a branch checked out into a directory, and committed
/// back. StewardGit's `LocalRepoWorkspace` has exactly these methods (the CLI declares the conformance).
public protocol RepoWorkspace: Sendable {
    /// Writes the files of `branch` into `directory`. - Returns: the branch's commit, nil when it has none.
    func checkout(_ repository: ForgeRepository, branch: String, into directory: URL) async throws -> String?
    /// Commits the files under `directory` as the new tree of `branch` (nothing when unchanged).
    /// - Returns: the branch's commit afterwards.
    func commit(_ repository: ForgeRepository, branch: String, from directory: URL, message: String) async throws -> String?
}
