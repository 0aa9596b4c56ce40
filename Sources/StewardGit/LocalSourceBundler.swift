import Foundation
import StewardCore

/// Bundles commits of repositories this machine can open (`file://` clone URLs: the local forge) into
/// `directory/COMMIT.bundle`. A bundle is written once per commit and reused by later deploys; bundles
/// not used for `retention` are removed when a new one is written.
public struct LocalSourceBundler: SourceBundler {
    public let directory: URL
    public let retention: TimeInterval

    public init(directory: URL, retention: TimeInterval = 7 * 24 * 3600) {
        self.directory = directory
        self.retention = retention
    }

    public func bundle(_ repo: ResolvedRepo) async throws -> URL? {
        guard repo.cloneURL.hasPrefix("file://"), let commit = GitObjectID(hex: repo.commit) else { return nil }
        let file = directory.appendingPathComponent("\(commit.hex).bundle")
        if FileManager.default.fileExists(atPath: file.path) {
            // Touch it, so retention counts from the last deploy that used it.
            try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: file.path)
            return file
        }
        let path = String(repo.cloneURL.dropFirst("file://".count))
        try GitRepository.open(at: URL(fileURLWithPath: path)).writeBundle(commit: commit, to: file)
        removeStale(keeping: file)
        return file
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
