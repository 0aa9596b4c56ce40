import Foundation
import StewardCore
import StewardHTTP
import StewardModel

/// The GitHub REST forge over libcurl: lists an organization's (or user's) repositories page by page with
/// conditional requests, looks repositories up by id, creates them idempotently.
public struct GitHubForge: Forge {
    public let client: HTTPClient
    /// `https://api.github.com`, a GitHub Enterprise `https://HOST/api/v3`, or a test server.
    public let apiURL: URL
    public let credentials: any GitHubCredentials
    /// 100 is GitHub's maximum page size.
    public var pageSize: Int
    /// ETags and bodies of earlier answers for `resolve`; nil: every request is unconditional.
    public var cache: GitHubResponseCache?

    public init(
        client: HTTPClient, apiURL: URL, credentials: any GitHubCredentials, pageSize: Int = 100, cache: GitHubResponseCache? = nil
    ) {
        self.client = client
        self.apiURL = apiURL
        self.credentials = credentials
        self.pageSize = pageSize
        self.cache = cache
    }

    /// The token itself, for git over HTTPS (the `Authorization` value without its scheme): a personal access
    /// token, or the App's current installation token. Given to libgit2's credential callback only.
    public func gitToken() async throws -> String {
        let authorization = try await credentials.authorization()
        for scheme in ["Bearer ", "token "] where authorization.hasPrefix(scheme) {
            return String(authorization.dropFirst(scheme.count))
        }
        return authorization
    }

    /// git was refused `token`: forgets it if it is a cached installation token.
    /// - Returns: whether `gitToken()` may now give one that works.
    public func gitTokenRejected(_ token: String) async -> Bool {
        await credentials.authorizationRejected("Bearer " + token)
    }

    public func listRepositories(owner: String, cached: [ForgePage]) async throws -> [ForgePage] {
        let previous = Dictionary(cached.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        // The kind the last listing found is asked first: a user's forge costs no `/orgs/NAME/repos` 404 per sync.
        var kind = previous[1]?.ownerKind ?? .organization
        var triedOtherKind = false
        var pages: [ForgePage] = []
        var number = 1
        while true {
            let collection = kind == .organization ? "orgs" : "users"
            let url = try endpoint("/\(collection)/\(owner)/repos", query: [
                "per_page": "\(pageSize)", "page": "\(number)", "sort": "full_name", "direction": "asc",
            ])
            // Cached pages of the other kind (the owner changed kind) are not this listing's.
            let old = previous[number].flatMap { ($0.ownerKind ?? .organization) == kind ? $0 : nil }
            let response = try await send(.get, url, ifNoneMatch: old?.etag)
            let request = "GET \(url.absoluteString)"
            switch response.status {
            case 304 where old != nil:
                pages.append(ForgePage(number: number, etag: old!.etag, hasNext: old!.hasNext,
                                       repositories: old!.repositories, notModified: true, ownerKind: kind))
            case 200:
                let objects = try GitHubResponseDecoder(request: request)
                    .decode([GitHubRepositoryObject].self, from: response.body, status: 200)
                pages.append(ForgePage(
                    number: number, etag: response[header: "etag"], hasNext: Self.hasNextPage(response[header: "link"]),
                    repositories: objects.map(\.forgeRepository), ownerKind: kind))
            case 404 where number == 1 && !triedOtherKind:
                // Not an organization: the owner may be a user (or, remembered as a user, it became an organization).
                kind = kind == .organization ? .user : .organization
                triedOtherKind = true
                continue
            default:
                throw GitHubError(request: request, status: response.status, problem: Self.message(response.body))
            }
            guard pages.last!.hasNext, number < 1000 else { return pages }
            number += 1
        }
    }

    public func repository(id: Int64) async throws -> ForgeLookup {
        let url = try endpoint("/repositories/\(id)")
        let response = try await send(.get, url)
        switch response.status {
        case 200:
            return .found(try GitHubResponseDecoder(request: "GET \(url.absoluteString)")
                .decode(GitHubRepositoryObject.self, from: response.body, status: 200).forgeRepository)
        case 404:
            return .notFound
        default:
            throw GitHubError(request: "GET \(url.absoluteString)", status: response.status, problem: Self.message(response.body))
        }
    }

    public func createRepository(owner: String, name: String, isPrivate: Bool, description: String?) async throws -> ForgeRepository {
        // Never twice: look first, create only when absent, and treat "already exists" as found.
        if let existing = try await repository(owner: owner, name: name) { return existing }
        var url = try endpoint("/orgs/\(owner)/repos")
        var body: [String: Any] = ["name": name, "private": isPrivate]
        if let description { body["description"] = description }
        let data = try JSONSerialization.data(withJSONObject: body)
        var response = try await send(.post, url, body: data)
        if response.status == 404 {
            // Not an organization: a user's repositories are created as the authenticated user, which must be
            // the owner (checked first, so nothing is ever created in another account).
            let userURL = try endpoint("/user")
            let user = try await send(.get, userURL)
            let login = user.status == 200
                ? (try? JSONSerialization.jsonObject(with: user.body) as? [String: Any])?["login"] as? String : nil
            guard let login, login.lowercased() == owner.lowercased() else {
                throw GitHubError(request: "POST \(url.absoluteString)", status: 404,
                    problem: "\(owner) is not an organization the credentials can create repositories in, nor the token's own user"
                        + (login.map { " (\($0))" } ?? "") + "; check forge.owner and the token's permissions")
            }
            url = try endpoint("/user/repos")
            response = try await send(.post, url, body: data)
        }
        let request = "POST \(url.absoluteString)"
        switch response.status {
        case 201:
            let created = try GitHubResponseDecoder(request: request)
                .decode(GitHubRepositoryObject.self, from: response.body, status: 201).forgeRepository
            return created
        case 422 where Self.message(response.body).contains("already exists"):
            if let existing = try await repository(owner: owner, name: name) { return existing }
            throw GitHubError(request: request, status: 422, problem: "GitHub says \(owner)/\(name) exists but cannot show it")
        default:
            throw GitHubError(request: request, status: response.status, problem: Self.message(response.body))
        }
    }

    /// `POST /repos/{owner}/{repo}/pulls`; when GitHub answers 422 because one is open for the branch already,
    /// that one (`GET …/pulls?head=OWNER:BRANCH&state=open`): never two pull requests for one proposal.
    public func proposeChange(
        _ repository: ForgeRepository, branch: String, base: String, title: String, body: String
    ) async throws -> ChangeProposal {
        if let open = try await openPullRequest(repository, branch: branch) { return open.with(base: base) }
        let url = try endpoint("/repos/\(repository.owner)/\(repository.name)/pulls")
        let payload = try JSONSerialization.data(withJSONObject: ["title": title, "head": branch, "base": base, "body": body])
        let response = try await send(.post, url, body: payload)
        switch response.status {
        case 201:
            return try Self.pullRequest(response.body, request: "POST \(url.absoluteString)", branch: branch, base: base)
        case 422 where Self.message(response.body).lowercased().contains("already exists"):
            if let open = try await openPullRequest(repository, branch: branch) { return open.with(base: base) }
            throw GitHubError(request: "POST \(url.absoluteString)", status: 422, problem: "GitHub says a pull request exists but lists none open")
        default:
            throw GitHubError(request: "POST \(url.absoluteString)", status: response.status, problem: Self.message(response.body))
        }
    }

    /// The open pull request from `branch` of the repository itself, if any.
    private func openPullRequest(_ repository: ForgeRepository, branch: String) async throws -> ChangeProposal? {
        let url = try endpoint(
            "/repos/\(repository.owner)/\(repository.name)/pulls", query: ["head": "\(repository.owner):\(branch)", "state": "open"])
        let response = try await send(.get, url)
        guard response.status == 200 else {
            throw GitHubError(request: "GET \(url.absoluteString)", status: response.status, problem: Self.message(response.body))
        }
        guard let list = try? JSONSerialization.jsonObject(with: response.body) as? [Any] else {
            throw GitHubError(request: "GET \(url.absoluteString)", status: 200, problem: "expected a JSON array of pull requests")
        }
        guard let first = list.first else { return nil }
        return try Self.pullRequest(
            try JSONSerialization.data(withJSONObject: first), request: "GET \(url.absoluteString)", branch: branch, base: "")
    }

    /// A pull request object's `html_url` and `number`.
    private static func pullRequest(_ body: Data, request: String, branch: String, base: String) throws -> ChangeProposal {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let number = object["number"] as? Int, let page = object["html_url"] as? String
        else { throw GitHubError(request: request, problem: "the pull request has no number or html_url") }
        return ChangeProposal(branch: branch, base: base, url: page, number: number)
    }

    /// `GET /repos/{owner}/{name}`: nil on 404.
    public func repository(owner: String, name: String) async throws -> ForgeRepository? {
        let url = try endpoint("/repos/\(owner)/\(name)")
        let response = try await send(.get, url)
        switch response.status {
        case 200:
            return try GitHubResponseDecoder(request: "GET \(url.absoluteString)")
                .decode(GitHubRepositoryObject.self, from: response.body, status: 200).forgeRepository
        case 404:
            return nil
        default:
            throw GitHubError(request: "GET \(url.absoluteString)", status: response.status, problem: Self.message(response.body))
        }
    }

    // MARK: - Requests

    func endpoint(_ path: String, query: [String: String] = [:]) throws -> URL {
        // The API URL may carry a path prefix (GitHub Enterprise: /api/v3).
        let base = apiURL.absoluteString.hasSuffix("/") ? String(apiURL.absoluteString.dropLast()) : apiURL.absoluteString
        var components = URLComponents(string: base + path)
        if !query.isEmpty { components?.queryItems = query.keys.sorted().map { URLQueryItem(name: $0, value: query[$0]) } }
        guard let url = components?.url else {
            throw GitHubError(request: "\(base)\(path)", problem: "not a valid URL")
        }
        return url
    }

    func send(
        _ method: HTTPMethod, _ url: URL, ifNoneMatch: String? = nil, body: Data? = nil, accept: String = "application/vnd.github+json"
    ) async throws -> HTTPResponse {
        func request(_ authorization: String) -> HTTPRequest {
            var headers: HTTPHeaders = [
                "Accept": accept, "X-GitHub-Api-Version": "2022-11-28",
            ]
            headers.add(name: "Authorization", value: authorization)
            if let ifNoneMatch { headers.add(name: "If-None-Match", value: ifNoneMatch) }
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            return HTTPRequest(method: method, url: url, headers: headers, body: body)
        }
        let authorization = try await credentials.authorization()
        let response = try await client.send(request(authorization))
        // An installation token can stop working before its expiry (revoked, the App's permissions changed):
        // one more try with a new one. A 401 means GitHub did nothing, so even a POST is safe to repeat.
        guard response.status == 401, await credentials.authorizationRejected(authorization) else { return response }
        return try await client.send(request(try await credentials.authorization()))
    }

    /// Whether a `Link` header has `rel="next"`.
    static func hasNextPage(_ link: String?) -> Bool {
        guard let link else { return false }
        return link.split(separator: ",").contains { $0.contains("rel=\"next\"") }
    }

    /// GitHub's `message` from an error body, else the start of the body.
    static func message(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let message = object["message"] as? String {
            var text = message
            if let errors = object["errors"] as? [[String: Any]] {
                let details = errors.compactMap { $0["message"] as? String }
                if !details.isEmpty { text += ": " + details.joined(separator: "; ") }
            }
            return text
        }
        let start = String(decoding: body.prefix(80), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return body.isEmpty ? "empty body" : "unexpected body \"\(start)\""
    }
}
