import Foundation
import StewardGit

/// Commits one file to the config repo: how the PO's decisions become GitOps changes.
public protocol ConfigRepoWriter: Sendable {
    /// Whether commits are pushed to a remote (rather than written into a local repository).
    var pushes: Bool { get }

    /// Rewrites the file at `path` with `change` (given the current contents, nil when absent) and commits it.
    /// - Returns: the commit id.
    func commit(path: String, message: String, change: @escaping @Sendable (Data?) throws -> Data) async throws -> String
}

extension GitConfigRepoWriter: ConfigRepoWriter {}
