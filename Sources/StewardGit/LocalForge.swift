import Foundation
import StewardCore

/// The offline forge: a directory of bare repositories at `root/OWNER/NAME.git`.
///
/// A repo created there by hand is found like any other. Reads open the repository per call, so
/// changes made by other processes (pushes) are always seen.
public struct LocalForge: RepoResolver {
    /// The directory that holds `OWNER/NAME.git`.
    public let root: URL

    /// - Parameter root: the forge directory; a relative path is taken from the current directory. A symlink on the way
    /// is resolved, so replicas whose state dirs link one forge compute the same clone URLs (a deploy input).
    public init(root: URL) {
        self.root = URL(fileURLWithPath: root.path).standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The bare repository directory for `owner/name` (which need not exist).
    /// - Throws: `GitError` (`.invalidRepositoryName`) unless `repo` is exactly `owner/name`, each part
    ///   made of letters, digits, `.`, `_`, `-`, and neither part `.`-only or containing `..`.
    public func repositoryDirectory(for repo: String) throws -> URL {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy(Self.isSafeComponent) else {
            throw GitError(
                code: .invalidRepositoryName,
                operation: "find repository '\(repo)' in the local forge \(root.path)",
                message: "a repository is named 'owner/name', each part 1 to 100 letters, digits, '.', '_' or '-', "
                    + "without '..'"
            )
        }
        return root.appendingPathComponent(String(parts[0]), isDirectory: true)
            .appendingPathComponent("\(parts[1]).git", isDirectory: true)
    }

    /// Resolves `ref` in `owner/name`: a full ref name, a branch (`refs/heads/`), a tag (peeled), or a
    /// full or abbreviated commit id.
    /// - Returns: nil when the repository directory does not exist.
    /// - Throws: `GitError`: `.invalidRepositoryName`, `.unknownReference` when the repo exists but the ref
    ///   does not, `.library` when the directory holds no readable repository.
    public func resolve(repo: String, ref: String) async throws -> ResolvedRepo? {
        let directory = try repositoryDirectory(for: repo)
        guard FileManager.default.fileExists(atPath: directory.path) else { return nil }
        let repository = try GitRepository.open(at: directory)
        let cloneURL = "file://\(directory.path)"
        guard let commit = try repository.resolveCommit(ref, branchNamespace: "refs/heads/") else {
            throw GitError.unknownReference(ref, repository: "\(repo) (\(cloneURL))")
        }
        return ResolvedRepo(cloneURL: cloneURL, commit: commit.hex)
    }

    private static let allowedCharacters = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".unicodeScalars
    )

    private static func isSafeComponent(_ part: Substring) -> Bool {
        guard (1...100).contains(part.utf8.count), !part.contains(".."), part != "." else { return false }
        return part.unicodeScalars.allSatisfy(allowedCharacters.contains)
    }
}
