import Foundation

/// The fake's primary (`core`) rate limit, as its `x-ratelimit-*` headers report it.
public struct FakeGitHubRateLimit: Sendable, Equatable {
    public var limit: Int
    public var remaining: Int
    public var used: Int { limit - remaining }
    /// When the window ends and `remaining` returns to `limit`.
    public var reset: Date

    public init(limit: Int, remaining: Int, reset: Date) {
        self.limit = limit
        self.remaining = remaining
        self.reset = reset
    }
}
