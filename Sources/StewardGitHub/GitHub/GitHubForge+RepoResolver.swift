import Foundation
import StewardCore
import StewardHTTP

/// Resolving project repos on GitHub for the planner.
extension GitHubForge: RepoResolver {
    /// Resolves `ref` (branch, tag or commit id) of `owner/name` to its commit with two conditional REST
    /// requests: `GET /repos/{owner}/{name}` (the clone URL) and `GET /repos/{owner}/{name}/commits/{ref}`
    /// with `Accept: application/vnd.github.sha` (the commit id alone). With `cache`, an unchanged repo
    /// costs two 304s. The commit itself is fetched into a local mirror only when a deploy bundles it.
    /// - Returns: nil when `owner/name` does not exist (the project waits in `provisioning` for the Architect).
    /// - Throws: `GitHubError` when the ref does not exist, the repository has no commits yet, or GitHub
    ///   cannot be read (the project keeps its state and the next pass tries again).
    public func resolve(repo: String, ref: String) async throws -> ResolvedRepo? {
        let parts = repo.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw GitHubError(request: "resolve \(repo)", problem: "a repository is named OWNER/NAME")
        }
        let path = "/repos/\(Self.pathSegment(parts[0]))/\(Self.pathSegment(parts[1]))"
        let repoURL = try endpoint(path)
        guard let body = try await cachedGet(repoURL, accept: "application/vnd.github+json", absent: [404]) else { return nil }
        let repository = try GitHubResponseDecoder(request: "GET \(repoURL.absoluteString)")
            .decode(GitHubRepositoryObject.self, from: body, status: 200).forgeRepository

        let commitURL = try endpoint(path + "/commits/\(Self.pathSegment(ref))")
        let request = "GET \(commitURL.absoluteString)"
        guard let sha = try await cachedGet(commitURL, accept: "application/vnd.github.sha", absent: [404, 422, 409]) else {
            throw GitHubError(request: request, problem: "\(repo) has no branch, tag or commit named '\(ref)' "
                + "(or no commits at all yet); check spec.ref, or push the branch")
        }
        let text = String(decoding: sha, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 40 || text.count == 64, text.allSatisfy(\.isHexDigit) else {
            throw GitHubError(request: request, status: 200, problem: "expected a commit id, got \"\(text.prefix(60))\"")
        }
        return ResolvedRepo(cloneURL: repository.cloneURL, commit: text.lowercased())
    }

    /// A GET made conditional with the cached ETag. - Returns: the body of a 200 (or of the cached 200 a
    /// 304 stands for), nil for a status in `absent`.
    private func cachedGet(_ url: URL, accept: String, absent: Set<Int>) async throws -> Data? {
        let cached = await cache?.entry(url)
        let response = try await send(.get, url, ifNoneMatch: cached?.etag, accept: accept)
        switch response.status {
        case 200:
            if let cache, let etag = response[header: "etag"] { await cache.store(url, etag: etag, body: response.body) }
            return response.body
        case 304 where cached != nil:
            return cached!.body
        case let status where absent.contains(status):
            return nil
        default:
            throw GitHubError(request: "GET \(url.absoluteString)", status: response.status, problem: Self.message(response.body))
        }
    }

    /// `segment` percent-encoded for a URL path (a ref may hold `/`, as in `release/1.0`).
    static func pathSegment(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }
}
