import CCurl
import Foundation
import Testing

@testable import StewardHTTP

struct RetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    /// The default limits, with the jitter pinned to the top of its range unless given.
    static func policy(
        maxAttempts: Int = 4, jitter: @escaping @Sendable (ClosedRange<Double>) -> Double = { $0.upperBound }
    ) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts, baseDelay: .milliseconds(500), maxDelay: .seconds(30),
            maxRateLimitWait: .seconds(60), jitter: jitter
        )
    }

    static func response(_ status: Int, _ headers: HTTPHeaders = [:], body: String = "") -> RawResponse {
        RawResponse(status: status, headers: headers, body: Data(body.utf8), effectiveURL: "https://api.github.com/",
                    newConnections: 0)
    }

    /// The default policy's decision for a response.
    static func decide(
        _ status: Int, _ headers: HTTPHeaders = [:], body: String = "", method: HTTPMethod = .get, attempt: Int = 1
    ) -> RetryPolicy.Decision {
        policy().decide(method: method, response: response(status, headers, body: body), attempt: attempt, now: now)
    }

    @Test func backoffCeilingDoublesAndIsCapped() {
        let policy = Self.policy()
        #expect((1...8).map { policy.backoff(attempt: $0).seconds } == [0.5, 1, 2, 4, 8, 16, 30, 30])
    }

    @Test func backoffJitterStaysInRange() {
        let ranges = Recorder<ClosedRange<Double>>()
        let policy = Self.policy { range in
            ranges.record(range)
            return range.lowerBound
        }
        #expect(policy.backoff(attempt: 3) == .zero)
        #expect(ranges.values == [0...2])
    }

    @Test func serverErrorsAreRetriedForIdempotentMethodsOnly() {
        for status in [500, 502, 503, 504] {
            #expect(Self.decide(status) == .retry(after: .milliseconds(500)))
            #expect(Self.decide(status, method: .delete, attempt: 2) == .retry(after: .seconds(1)))
            #expect(Self.decide(status, method: .post) == .deliver)
            #expect(Self.decide(status, method: .patch) == .deliver)
            #expect(Self.decide(status, attempt: 4) == .fail(.retriesExhausted(lastStatus: status)))
        }
        for status in [200, 201, 204, 301, 304, 400, 401, 404, 409, 422, 501, 505] {
            #expect(Self.decide(status) == .deliver)
        }
        // One attempt: nothing to retry or exhaust, the 5xx is the answer (health checks).
        let single = Self.policy(maxAttempts: 1)
        #expect(single.decide(method: .get, response: Self.response(503), attempt: 1, now: Self.now) == .deliver)
    }

    @Test func transportFailuresAreRetriedByKindAndMethod() {
        let policy = Self.policy()
        func decide(_ code: CURLcode, _ method: HTTPMethod = .get, attempt: Int = 1) -> RetryPolicy.Decision {
            policy.decide(method: method, failure: CurlFailure(code: code, operation: "curl_easy_perform", detail: ""),
                          attempt: attempt)
        }

        #expect(decide(CURLE_OPERATION_TIMEDOUT) == .retry(after: .milliseconds(500)))
        #expect(decide(CURLE_OPERATION_TIMEDOUT, .post) == .fail(.timeout))
        #expect(decide(CURLE_COULDNT_CONNECT, .post) == .retry(after: .milliseconds(500)))
        #expect(decide(CURLE_COULDNT_RESOLVE_HOST, .patch) == .retry(after: .milliseconds(500)))
        #expect(decide(CURLE_RECV_ERROR, .post) == .fail(.connection))
        #expect(decide(CURLE_RECV_ERROR) == .retry(after: .milliseconds(500)))
        #expect(decide(CURLE_PEER_FAILED_VERIFICATION) == .fail(.tls))
        #expect(decide(CURLE_ABORTED_BY_CALLBACK) == .fail(.cancelled))
        #expect(decide(CURLE_TOO_MANY_REDIRECTS) == .fail(.tooManyRedirects))
        #expect(decide(CURLE_URL_MALFORMAT) == .fail(.invalidURL))
        #expect(decide(CURLE_OPERATION_TIMEDOUT, attempt: 4) == .fail(.retriesExhausted(lastStatus: nil)))
        let single = Self.policy(maxAttempts: 1)
        let timeout = CurlFailure(code: CURLE_OPERATION_TIMEDOUT, operation: "curl_easy_perform", detail: "")
        #expect(single.decide(method: .get, failure: timeout, attempt: 1) == .fail(.timeout))
    }

    @Test func primaryRateLimitWaitsUntilResetOrFails() {
        let soon: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000045"]
        let late: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000061"]
        let past: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1699999990"]

        #expect(Self.decide(403, soon) == .retry(after: .seconds(45)))
        #expect(Self.decide(429, soon, method: .post) == .retry(after: .seconds(45)))
        #expect(Self.decide(403, late) == .fail(.rateLimited(until: Date(timeIntervalSince1970: 1_700_000_061))))
        #expect(Self.decide(403, past) == .retry(after: .zero))
        #expect(Self.decide(403, soon, attempt: 4) == .fail(.rateLimited(until: Date(timeIntervalSince1970: 1_700_000_045))))
    }

    @Test func secondaryRateLimits() {
        let message = "{\"message\":\"You have exceeded a Secondary Rate Limit\"}"

        #expect(Self.decide(429) == .retry(after: .seconds(30)))
        #expect(Self.decide(403, body: message) == .retry(after: .seconds(30)))
        #expect(Self.decide(403, ["Retry-After": "9"]) == .retry(after: .seconds(9)))
        #expect(Self.decide(403, ["X-RateLimit-Remaining": "0"]) == .retry(after: .seconds(30)))
        #expect(Self.decide(403, ["X-RateLimit-Remaining": "12"]) == .deliver)
        #expect(Self.decide(403, body: "{\"message\":\"Resource not accessible\"}") == .deliver)
        #expect(Self.decide(429, ["Retry-After": "61"]) == .fail(.rateLimited(until: Self.now.addingTimeInterval(61))))
    }

    @Test func retryAfterParsesSecondsAndHTTPDates() {
        func parse(_ value: String) -> Duration? { RetryPolicy.retryAfter(["Retry-After": value], now: Self.now) }

        #expect(parse("120") == .seconds(120))
        #expect(parse(" 0 ") == .zero)
        #expect(parse("Tue, 14 Nov 2023 22:14:20 GMT") == .seconds(60))
        #expect(parse("Tuesday, 14-Nov-23 22:13:30 GMT") == .seconds(10))
        #expect(parse("Tue Nov 14 22:13:50 2023") == .seconds(30))
        #expect(parse("Mon, 13 Nov 2023 00:00:00 GMT") == .zero)
        #expect(parse("-5") == nil)
        #expect(parse("soon") == nil)
        #expect(RetryPolicy.retryAfter([:], now: Self.now) == nil)
    }
}
