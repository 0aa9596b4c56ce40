import Foundation

/// One request the fake GitHub received, as recorded in its log (never the credential itself).
public struct FakeGitHubRequest: Sendable, Equatable {
    public var method: String
    /// Percent-decoded, without the query.
    public var path: String
    public var queryItems: [URLQueryItem]
    /// Whether an `Authorization` header was sent.
    public var hadAuthorization: Bool
    /// `Bearer`, `token`, … — the scheme only.
    public var authorizationScheme: String?
    /// The `If-None-Match` header as sent.
    public var ifNoneMatch: String?
    /// The status answered; nil when the connection was closed without an answer.
    public var status: Int?
    /// The `ETag` answered, if any.
    public var etag: String?
    /// Whether it cost a request of the primary rate limit.
    public var countedAgainstRateLimit: Bool
    /// `x-ratelimit-remaining` after this request.
    public var rateLimitRemaining: Int
    /// The injected fault this request met, if any.
    public var fault: FakeGitHubFault?
    /// The TCP connection it came on (1, 2, …): equal ids mean keep-alive reuse.
    public var connectionID: Int
    public var date: Date

    /// The last value of query parameter `name`.
    public func query(_ name: String) -> String? { queryItems.last { $0.name == name }?.value }

    /// `path?query` as sent, re-encoded.
    public var pathAndQuery: String {
        guard !queryItems.isEmpty else { return path }
        var components = URLComponents()
        components.queryItems = queryItems
        return path + "?" + (components.percentEncodedQuery ?? "")
    }
}
