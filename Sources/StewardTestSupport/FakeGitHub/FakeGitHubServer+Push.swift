import Foundation
import StewardCore

extension FakeGitHubServer {
    /// Commits `files` on top of `branch` of `owner/name` (created on the fake if absent) as a person
    /// pushing to GitHub would, with git's CLI straight into the bare repository.
    /// - Returns: the new commit id.
    @discardableResult
    public func pushCommit(
        owner: String, name: String, files: [String: String], message: String = "change", branch: String = "main"
    ) async throws -> String {
        try await BlockingWork.run("steward.test.push") {
            try pushCommitWaiting(owner: owner, name: name, files: files, message: message, branch: branch)
        }
    }

    /// `pushCommit` on the calling thread (git's CLI, several runs).
    private func pushCommitWaiting(owner: String, name: String, files: [String: String], message: String, branch: String) throws -> String {
        if repository(owner: owner, name: name) == nil { try addRepository(owner: owner, name: name, isPrivate: true) }
        guard let bare = try gitDirectory(owner: owner, name: name) else {
            throw FakeGitHubServerError(description: "fake GitHub: pushCommit needs Configuration.gitDirectory")
        }
        let work = try TemporaryDirectory(prefix: "fake-github-push")
        try runBlocking(["git", "init", "-q", "--initial-branch=\(branch)", work.path])
        if FakeGitSmartHTTP.resolve("refs/heads/\(branch)", in: bare) != nil {
            try runBlocking(["git", "fetch", "-q", bare.path, "\(branch):\(branch)", "--update-head-ok"], in: work.path)
            try runBlocking(["git", "checkout", "-q", "-f", branch], in: work.path)
        }
        for (path, text) in files { _ = try work.write(path, text) }
        try runBlocking(["git", "add", "-A"], in: work.path)
        try runBlocking(["git", "commit", "-q", "--allow-empty", "-m", message], in: work.path)
        try runBlocking(["git", "push", "-q", bare.path, "\(branch):\(branch)"], in: work.path)
        return try runBlocking(["git", "rev-parse", "HEAD"], in: work.path).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
