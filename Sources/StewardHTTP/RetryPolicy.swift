import Foundation

/// Decides, after each attempt, whether `HTTPClient` returns the response, waits and retries, or throws.
/// Pure: the current time and the jitter come in, so every branch is testable without a server.
struct RetryPolicy: Sendable {
    /// What to do after an attempt.
    enum Decision: Equatable, Sendable {
        /// Return the response to the caller.
        case deliver
        /// Sleep this long, then try again.
        case retry(after: Duration)
        /// Throw an `HTTPError` of this kind.
        case fail(HTTPError.Kind)
    }

    let maxAttempts: Int
    let baseDelay: Duration
    let maxDelay: Duration
    let maxRateLimitWait: Duration
    /// Picks a delay in the range; uniformly at random outside tests ("full jitter").
    let jitter: @Sendable (ClosedRange<Double>) -> Double

    /// GitHub: after a secondary rate limit without `Retry-After`, "wait for at least one minute".
    static let secondaryRateLimitWait: Duration = .seconds(60)
    /// Server errors worth another attempt; others (501, 505, …) will not change.
    static let retryableStatuses: Set<Int> = [500, 502, 503, 504]

    /// The decision after an attempt that got a response.
    func decide(method: HTTPMethod, response: RawResponse, attempt: Int, now: Date) -> Decision {
        let status = response.status
        if status == 403 || status == 429,
            let decision = rateLimitDecision(status: status, response: response, attempt: attempt, now: now)
        {
            return decision
        }
        // With a single attempt there is nothing to retry: the caller gets the 5xx as it came (a health check
        // reports it as such).
        guard Self.retryableStatuses.contains(status), method.isIdempotent, maxAttempts > 1 else { return .deliver }
        guard attempt < maxAttempts else { return .fail(.retriesExhausted(lastStatus: status)) }
        let delay = Self.retryAfter(response.headers, now: now).map { min($0, maxDelay) } ?? backoff(attempt: attempt)
        return .retry(after: delay)
    }

    /// The decision after an attempt that failed before a complete response.
    func decide(method: HTTPMethod, failure: CurlFailure, attempt: Int) -> Decision {
        let kind = failure.kind
        let retryable =
            switch kind {
            case .timeout: method.isIdempotent
            case .connection: method.isIdempotent || failure.nothingWasSent
            default: false
            }
        guard retryable else { return .fail(kind) }
        guard attempt < maxAttempts else { return .fail(maxAttempts == 1 ? kind : .retriesExhausted(lastStatus: nil)) }
        return .retry(after: backoff(attempt: attempt))
    }

    /// Exponential backoff with full jitter: uniform in 0 ... min(maxDelay, baseDelay · 2^(attempt−1)).
    func backoff(attempt: Int) -> Duration {
        let ceiling = min(maxDelay.seconds, baseDelay.seconds * pow(2, Double(max(0, attempt - 1))))
        return .seconds(jitter(0...max(0, ceiling)))
    }

    /// GitHub's rate limits (REST docs, "Rate limits for the REST API"): a primary limit is announced by
    /// `x-ratelimit-remaining: 0` and lifts at `x-ratelimit-reset`; a secondary one by 429, `retry-after`, or a
    /// 403 whose message says so. `nil` for a plain 403 (permission denied), which the caller gets as a response.
    /// Rate-limited requests were not processed, so even a POST is retried.
    private func rateLimitDecision(status: Int, response: RawResponse, attempt: Int, now: Date) -> Decision? {
        let headers = response.headers
        let exhausted = headers["x-ratelimit-remaining"]?.trimmingCharacters(in: .whitespaces) == "0"
        let reset = headers["x-ratelimit-reset"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        if exhausted, let reset {
            let until = Date(timeIntervalSince1970: reset)
            let wait = Duration.seconds(max(0, until.timeIntervalSince(now)))
            guard wait <= maxRateLimitWait, attempt < maxAttempts else { return .fail(.rateLimited(until: until)) }
            return .retry(after: wait)
        }
        let retryAfter = Self.retryAfter(headers, now: now)
        guard status == 429 || exhausted || retryAfter != nil || Self.mentionsSecondaryRateLimit(response.body) else {
            return nil
        }
        let exponential = Self.secondaryRateLimitWait.seconds * pow(2, Double(max(0, attempt - 1)))
        let wait = retryAfter ?? .seconds(min(exponential, maxDelay.seconds))
        guard wait <= maxRateLimitWait, attempt < maxAttempts else {
            return .fail(.rateLimited(until: now.addingTimeInterval(wait.seconds)))
        }
        return .retry(after: wait)
    }

    /// `Retry-After` as a duration from `now`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
    static func retryAfter(_ headers: HTTPHeaders, now: Date) -> Duration? {
        guard let value = headers["retry-after"]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            return nil
        }
        if let seconds = Int(value) { return seconds >= 0 ? .seconds(seconds) : nil }
        guard let date = parseHTTPDate(value) else { return nil }
        return .seconds(max(0, date.timeIntervalSince(now)))
    }

    /// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or the obsolete RFC 850 and asctime forms.
    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss 'GMT'", "EEEE, dd-MMM-yy HH:mm:ss 'GMT'", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    private static func mentionsSecondaryRateLimit(_ body: Data) -> Bool {
        String(decoding: body.prefix(4096), as: UTF8.self).lowercased().contains("secondary rate limit")
    }
}
