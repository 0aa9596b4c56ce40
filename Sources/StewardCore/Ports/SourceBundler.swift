import Foundation

/// Packs a resolved commit into a file on this machine that a server can clone from (a git bundle), so
/// servers never need access to, or credentials for, the forge (docs/ARCHITECTURE.md §6).
public protocol SourceBundler: Sendable {
    /// - Returns: the bundle file holding `repo.commit`, or nil when this repo cannot be bundled here (the
    ///   server then clones `repo.cloneURL` itself).
    /// - Throws: when the repo should be bundled but reading or writing it fails.
    func bundle(_ repo: ResolvedRepo) async throws -> URL?

    /// The file at `path` in `repo.commit`, read from the same place a bundle is made from (the local forge's
    /// repository, else the mirror, fetched when the commit is missing there).
    /// - Returns: nil when the commit has no such file, or this repo cannot be read here.
    func contents(of path: String, in repo: ResolvedRepo) async throws -> Data?
}
