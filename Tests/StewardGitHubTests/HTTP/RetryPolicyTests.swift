import CCurl
import Foundation
import Testing

@testable import StewardGitHub

struct RetryPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func policy(maxAttempts: Int = 4, jitter: @escaping @Sendable (ClosedRange<Double>) -> Double = { $0.upperBound })
        -> RetryPolicy
    {
        RetryPolicy(
            maxAttempts: maxAttempts, baseDelay: .milliseconds(500), maxDelay: .seconds(30),
            maxRateLimitWait: .seconds(60), jitter: jitter
        )
    }

    static func response(_ status: Int, _ headers: HTTPHeaders = [:], body: String = "") -> RawResponse {
        RawResponse(status: status, headers: headers, body: Data(body.utf8), effectiveURL: "https://api.github.com/",
                    newConnections: 0)
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
        let policy = Self.policy()
        for status in [500, 502, 503, 504] {
            #expect(policy.decide(method: .get, response: Self.response(status), attempt: 1, now: Self.now) == .retry(after: .milliseconds(500)))
            #expect(policy.decide(method: .delete, response: Self.response(status), attempt: 2, now: Self.now) == .retry(after: .seconds(1)))
            #expect(policy.decide(method: .post, response: Self.response(status), attempt: 1, now: Self.now) == .deliver)
            #expect(policy.decide(method: .patch, response: Self.response(status), attempt: 1, now: Self.now) == .deliver)
            #expect(policy.decide(method: .get, response: Self.response(status), attempt: 4, now: Self.now) == .fail(.retriesExhausted(lastStatus: status)))
        }
        for status in [200, 201, 204, 301, 304, 400, 401, 404, 409, 422, 501, 505] {
            #expect(policy.decide(method: .get, response: Self.response(status), attempt: 1, now: Self.now) == .deliver)
        }
    }

    @Test func transportFailuresAreRetriedByKindAndMethod() {
        let policy = Self.policy()
        func failure(_ code: CURLcode) -> CurlFailure { CurlFailure(code: code, operation: "curl_easy_perform", detail: "") }

        #expect(policy.decide(method: .get, failure: failure(CURLE_OPERATION_TIMEDOUT), attempt: 1) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(method: .post, failure: failure(CURLE_OPERATION_TIMEDOUT), attempt: 1) == .fail(.timeout))
        #expect(policy.decide(method: .post, failure: failure(CURLE_COULDNT_CONNECT), attempt: 1) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(method: .patch, failure: failure(CURLE_COULDNT_RESOLVE_HOST), attempt: 1) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(method: .post, failure: failure(CURLE_RECV_ERROR), attempt: 1) == .fail(.connection))
        #expect(policy.decide(method: .get, failure: failure(CURLE_RECV_ERROR), attempt: 1) == .retry(after: .milliseconds(500)))
        #expect(policy.decide(method: .get, failure: failure(CURLE_PEER_FAILED_VERIFICATION), attempt: 1) == .fail(.tls))
        #expect(policy.decide(method: .get, failure: failure(CURLE_ABORTED_BY_CALLBACK), attempt: 1) == .fail(.cancelled))
        #expect(policy.decide(method: .get, failure: failure(CURLE_TOO_MANY_REDIRECTS), attempt: 1) == .fail(.tooManyRedirects))
        #expect(policy.decide(method: .get, failure: failure(CURLE_URL_MALFORMAT), attempt: 1) == .fail(.invalidURL))
        #expect(policy.decide(method: .get, failure: failure(CURLE_OPERATION_TIMEDOUT), attempt: 4) == .fail(.retriesExhausted(lastStatus: nil)))
        #expect(Self.policy(maxAttempts: 1).decide(method: .get, failure: failure(CURLE_OPERATION_TIMEDOUT), attempt: 1) == .fail(.timeout))
    }

    @Test func primaryRateLimitWaitsUntilResetOrFails() {
        let policy = Self.policy()
        let soon: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000045"]
        let late: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000061"]
        let past: HTTPHeaders = ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1699999990"]

        #expect(policy.decide(method: .get, response: Self.response(403, soon), attempt: 1, now: Self.now) == .retry(after: .seconds(45)))
        #expect(policy.decide(method: .post, response: Self.response(429, soon), attempt: 1, now: Self.now) == .retry(after: .seconds(45)))
        #expect(policy.decide(method: .get, response: Self.response(403, late), attempt: 1, now: Self.now)
            == .fail(.rateLimited(until: Date(timeIntervalSince1970: 1_700_000_061))))
        #expect(policy.decide(method: .get, response: Self.response(403, past), attempt: 1, now: Self.now) == .retry(after: .zero))
        #expect(policy.decide(method: .get, response: Self.response(403, soon), attempt: 4, now: Self.now)
            == .fail(.rateLimited(until: Date(timeIntervalSince1970: 1_700_000_045))))
    }

    @Test func secondaryRateLimits() {
        let policy = Self.policy()
        let message = "{\"message\":\"You have exceeded a Secondary Rate Limit\"}"

        #expect(policy.decide(method: .get, response: Self.response(429), attempt: 1, now: Self.now) == .retry(after: .seconds(30)))
        #expect(policy.decide(method: .get, response: Self.response(403, body: message), attempt: 1, now: Self.now) == .retry(after: .seconds(30)))
        #expect(policy.decide(method: .get, response: Self.response(403, ["Retry-After": "9"]), attempt: 1, now: Self.now) == .retry(after: .seconds(9)))
        #expect(policy.decide(method: .get, response: Self.response(403, ["X-RateLimit-Remaining": "0"]), attempt: 1, now: Self.now) == .retry(after: .seconds(30)))
        #expect(policy.decide(method: .get, response: Self.response(403, ["X-RateLimit-Remaining": "12"]), attempt: 1, now: Self.now) == .deliver)
        #expect(policy.decide(method: .get, response: Self.response(403, body: "{\"message\":\"Resource not accessible\"}"), attempt: 1, now: Self.now) == .deliver)
        #expect(policy.decide(method: .get, response: Self.response(429, ["Retry-After": "61"]), attempt: 1, now: Self.now)
            == .fail(.rateLimited(until: Self.now.addingTimeInterval(61))))
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
