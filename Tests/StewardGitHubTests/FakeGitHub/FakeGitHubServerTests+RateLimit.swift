import Foundation
import StewardTestSupport
import Testing

extension FakeGitHubServerTests {
    @Test func everyAnswerCarriesRateLimitHeaders() async throws {
        try server.addRepository(owner: "acme", name: "app")
        let reset = Int(server.rateLimit.reset.timeIntervalSince1970)
        for path in ["/repos/acme/app", "/repos/acme/missing", "/nowhere"] {
            let answer = try await Curl.get(server.url(path), token: token)
            #expect(answer.header("x-ratelimit-limit") == "5000", "\(path)")
            #expect(answer.header("x-ratelimit-resource") == "core", "\(path)")
            #expect(answer.header("x-ratelimit-reset") == String(reset), "\(path)")
        }
        let unauthorized = try await Curl.get(server.url("/repos/acme/app"), token: nil)
        #expect(unauthorized.header("x-ratelimit-remaining") == "4997")
        #expect(unauthorized.header("x-ratelimit-used") == "3")
        #expect(server.rateLimit == FakeGitHubRateLimit(limit: 5000, remaining: 4997, reset: Date(timeIntervalSince1970: TimeInterval(reset))))
    }

    @Test func exhaustedQuotaGives403UntilTheWindowResets() async throws {
        try server.addRepository(owner: "acme", name: "app")
        server.setRateLimit(remaining: 2)
        let url = server.url("/repos/acme/app")
        #expect(try await Curl.get(url, token: token).header("x-ratelimit-remaining") == "1")
        #expect(try await Curl.get(url, token: token).header("x-ratelimit-remaining") == "0")

        let refused = try await Curl.get(url, token: token)
        #expect(refused.status == 403)
        #expect(refused.header("x-ratelimit-remaining") == "0")
        #expect(refused.header("x-ratelimit-used") == "5000")
        let message = try #require(refused.object?["message"] as? String)
        #expect(message.hasPrefix("API rate limit exceeded for user ID 1."))
        #expect(refused.object?["documentation_url"] as? String == "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api")

        // /rate_limit still answers and costs nothing.
        let status = try await Curl.get(server.url("/rate_limit"), token: token)
        #expect(status.status == 200)
        let core = try #require((status.object?["resources"] as? [String: Any])?["core"] as? [String: Int])
        #expect(core["remaining"] == 0 && core["limit"] == 5000 && core["used"] == 5000)
        #expect((status.object?["rate"] as? [String: Int])?["remaining"] == 0)

        // A window that has ended starts afresh.
        server.setRateLimit(remaining: 0, reset: Date().addingTimeInterval(-1))
        let afterReset = try await Curl.get(url, token: token)
        #expect(afterReset.status == 200)
        #expect(afterReset.header("x-ratelimit-remaining") == "4999")
    }

    @Test func secondaryRateLimitForTheNextRequests() async throws {
        try server.addRepository(owner: "acme", name: "app")
        server.triggerSecondaryRateLimit(requests: 2, retryAfter: 30)
        let url = server.url("/repos/acme/app")
        for _ in 0..<2 {
            let limited = try await Curl.get(url, token: token)
            #expect(limited.status == 403)
            #expect(limited.header("retry-after") == "30")
            #expect(limited.header("x-ratelimit-remaining") == "5000")
            #expect((limited.object?["message"] as? String)?.hasPrefix("You have exceeded a secondary rate limit") == true)
        }
        #expect(try await Curl.get(url, token: token).status == 200)

        server.triggerSecondaryRateLimit(requests: 1, retryAfter: 5, status: 429)
        #expect(try await Curl.get(url, token: token).status == 429)
        #expect(server.countedRequestCount == 1)
    }
}
