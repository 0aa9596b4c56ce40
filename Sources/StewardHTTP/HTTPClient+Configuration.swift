import Foundation

extension HTTPClient {
    /// Timeouts, retry and rate-limit limits, the User-Agent, and the injected clock and log hook.
    public struct Configuration: Sendable {
        /// Sent with every request (GitHub rejects requests without one); must not be empty.
        public var userAgent: String
        /// Limit for establishing a connection (TCP and TLS), per attempt.
        public var connectTimeout: Duration
        /// Limit for a whole attempt, redirects included.
        public var totalTimeout: Duration
        /// Attempts per request, the first included; at least 1.
        public var maxAttempts: Int
        /// Backoff ceiling of the first retry; it doubles per retry up to `maxDelay`, the actual wait being
        /// uniform below the ceiling (full jitter).
        public var baseDelay: Duration
        /// Largest backoff wait, and the cap on a secondary rate-limit wait without `Retry-After`.
        public var maxDelay: Duration
        /// Longest rate-limit wait the client sleeps through; a longer one throws `HTTPError.Kind.rateLimited`
        /// so the caller can reschedule instead of blocking.
        public var maxRateLimitWait: Duration
        /// Waits between attempts; tests inject one that records and returns at once.
        public var sleep: @Sendable (Duration) async throws -> Void
        /// The wall clock, for `X-RateLimit-Reset` and HTTP-date `Retry-After`.
        public var now: @Sendable () -> Date
        /// Called after every attempt (from the task that called `send`); see `HTTPEvent`.
        public var onEvent: (@Sendable (HTTPEvent) -> Void)?
        /// Picks the backoff wait in a range; tests pin it.
        var jitter: @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }

        /// The User-Agent when none is given.
        public static let defaultUserAgent = "Steward/0.1 (+https://github.com/steward)"

        /// A configuration; every value has a default fit for GitHub's API.
        public init(
            userAgent: String = Configuration.defaultUserAgent,
            connectTimeout: Duration = .seconds(10),
            totalTimeout: Duration = .seconds(30),
            maxAttempts: Int = 4,
            baseDelay: Duration = .milliseconds(500),
            maxDelay: Duration = .seconds(30),
            maxRateLimitWait: Duration = .seconds(60),
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
            now: @escaping @Sendable () -> Date = { Date() },
            onEvent: (@Sendable (HTTPEvent) -> Void)? = nil
        ) {
            self.userAgent = userAgent
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.maxAttempts = maxAttempts
            self.baseDelay = baseDelay
            self.maxDelay = maxDelay
            self.maxRateLimitWait = maxRateLimitWait
            self.sleep = sleep
            self.now = now
            self.onEvent = onEvent
        }

        /// The first problem with the configuration, or `nil` when it is usable.
        var problem: String? {
            if userAgent.trimmingCharacters(in: .whitespaces).isEmpty {
                return "userAgent is empty; GitHub rejects requests without a User-Agent"
            }
            if userAgent.contains(where: { $0 == "\r" || $0 == "\n" }) { return "userAgent contains a line break" }
            if connectTimeout <= .zero { return "connectTimeout must be positive" }
            if totalTimeout <= .zero { return "totalTimeout must be positive" }
            if maxAttempts < 1 { return "maxAttempts must be at least 1" }
            if baseDelay < .zero { return "baseDelay must not be negative" }
            if maxDelay < baseDelay { return "maxDelay must not be less than baseDelay" }
            if maxRateLimitWait < .zero { return "maxRateLimitWait must not be negative" }
            return nil
        }
    }
}
