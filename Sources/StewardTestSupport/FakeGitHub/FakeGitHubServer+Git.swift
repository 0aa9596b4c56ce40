import Foundation

extension FakeGitHubServer {
    /// The bare repository behind `owner/name` (created empty if the repository exists on the fake and has
    /// none yet), nil when the server serves no git (`Configuration.gitDirectory`) or the repository is unknown.
    public func gitDirectory(owner: String, name: String) throws -> URL? {
        guard let root = configuration.gitDirectory, let repo = repository(owner: owner, name: name) else { return nil }
        let directory = FakeGitSmartHTTP.directory(root: root, fullName: repo.fullName)
        try FakeGitSmartHTTP.createBareRepository(directory)
        return directory
    }

    /// The smart HTTP URL of `owner/name` (what `clone_url` says when git is served).
    public func cloneURL(owner: String, name: String) -> String {
        baseURL.absoluteString + "/\(owner)/\(name).git"
    }

    /// Logged git requests (ref listings, fetches, pushes), oldest first.
    public var gitRequests: [FakeGitHubRequest] {
        requests { FakeGitSmartHTTP.match($0.path) != nil }
    }

    /// Logged git fetches and clones (`git-upload-pack` POSTs: an object download, not only a ref listing).
    public var gitFetchCount: Int {
        gitRequests.filter { $0.method == "POST" && $0.path.hasSuffix("/git-upload-pack") }.count
    }

    /// Logged pushes (`git-receive-pack` POSTs).
    public var gitPushCount: Int {
        gitRequests.filter { $0.method == "POST" && $0.path.hasSuffix("/git-receive-pack") }.count
    }

    /// The next `times` git requests are answered 503, while the REST API keeps working.
    public func injectGitFault(times: Int) {
        state.withWorld { $0.gitFaultsRemaining = max(0, times) }
    }
}
