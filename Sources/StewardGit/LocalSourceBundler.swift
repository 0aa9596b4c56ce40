import Foundation
import StewardCore

/// Bundles commits into `directory/COMMIT.bundle`: from the repository itself for `file://` clone URLs (the
/// local forge), else from a local mirror of the forge's repository (`mirrors`: GitHub), fetched only when
/// the commit is missing there. A bundle is written once per commit and reused by later deploys (no forge
/// access at all then); bundles not used for `retention` are removed when a new one is written.
public struct LocalSourceBundler: SourceBundler {
    public let directory: URL
    public let retention: TimeInterval
    /// Mirrors of remote forge repositories; nil: only `file://` repositories are bundled.
    public let mirrors: GitMirrors?

    public init(directory: URL, retention: TimeInterval = 7 * 24 * 3600, mirrors: GitMirrors? = nil) {
        self.directory = directory
        self.retention = retention
        self.mirrors = mirrors
    }

    public func bundle(_ repo: ResolvedRepo) async throws -> URL? {
        guard let commit = GitObjectID(hex: repo.commit) else { return nil }
        let isLocal = repo.cloneURL.hasPrefix("file://")
        guard isLocal || mirrors != nil else { return nil }
        let file = directory.appendingPathComponent("\(commit.hex).bundle")
        if FileManager.default.fileExists(atPath: file.path) {
            // Touch it, so retention counts from the last deploy that used it.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
            return file
        }
        if isLocal {
            let path = String(repo.cloneURL.dropFirst("file://".count))
            // A bundle of a whole history reads and writes much: off the cooperative pool.
            _ = try await BlockingWork.run("steward.git.bundle") {
                try GitRepository.open(at: URL(fileURLWithPath: path)).writeBundle(commit: commit, to: file)
            }
        } else if let mirrors {
            _ = try await mirrors.ensure(commit: commit.hex, cloneURL: repo.cloneURL)
            try await mirrors.withRepository(cloneURL: repo.cloneURL) { repository in
                _ = try repository.writeBundle(commit: commit, to: file)
            }
        }
        removeStale(keeping: file)
        return file
    }

    public func contents(of path: String, in repo: ResolvedRepo) async throws -> Data? {
        guard let commit = GitObjectID(hex: repo.commit) else { return nil }
        if repo.cloneURL.hasPrefix("file://") {
            let directory = URL(fileURLWithPath: String(repo.cloneURL.dropFirst("file://".count)))
            return try await BlockingWork.run("steward.git.read-file") {
                try GitRepository.open(at: directory).fileContents(atCommit: commit, path: path)
            }
        }
        guard let mirrors else { return nil }
        _ = try await mirrors.ensure(commit: commit.hex, cloneURL: repo.cloneURL)
        return try await mirrors.withRepository(cloneURL: repo.cloneURL) { repository in
            try repository.fileContents(atCommit: commit, path: path)
        }
    }

    private func removeStale(keeping kept: URL) {
        let cutoff = Date().addingTimeInterval(-retention)
        let files = (try? FileManager.default.contentsOfDirectory(
            at: directory, includingPropertiesForKeys: [.contentModificationDateKey])) ?? []
        for file in files where file.lastPathComponent != kept.lastPathComponent && file.pathExtension == "bundle" {
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]))?.contentModificationDate
            if let modified, modified < cutoff { try? FileManager.default.removeItem(at: file) }
        }
    }
}
