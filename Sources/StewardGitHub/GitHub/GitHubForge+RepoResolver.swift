import StewardCore

/// Resolving project repos on GitHub for the planner.
extension GitHubForge: RepoResolver {
    /// nil when `owner/name` does not exist (the project waits in `provisioning` for the Architect).
    /// - Throws: for an existing repo: resolving its ref to a commit for a deploy is not built yet (deploys
    ///   from GitHub need a token on the server), so the project waits; and for forge failures.
    public func resolve(repo: String, ref: String) async throws -> ResolvedRepo? {
        let parts = repo.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else {
            throw GitHubError(request: "resolve \(repo)", problem: "a repository is named OWNER/NAME")
        }
        guard try await repository(owner: parts[0], name: parts[1]) != nil else { return nil }
        throw GitHubError(request: "resolve \(repo)@\(ref)",
            problem: "deploying repositories that live on GitHub is not available in this version of Steward yet")
    }
}
