import Foundation
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    @Suite struct RateLimits {
        static let epoch = Int(HTTPClientLiveTests.now.timeIntervalSince1970)

        @Test func tooManyRequestsWaitsRetryAfterSeconds() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/search": [.init(status: 429, headers: [("Retry-After", "7")]), .init(body: "ok")]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/search"))

            #expect(response.status == 200)
            #expect(response.attempts == 2)
            #expect(fixture.sleepSeconds == [7])
        }

        @Test func retryAfterAsAnHTTPDate() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                // HTTPClientLiveTests.now is 2023-11-14 22:13:20 UTC.
                "/search": [.init(status: 429, headers: [("Retry-After", "Tue, 14 Nov 2023 22:13:25 GMT")]), .init()]
            ])
            let fixture = try ClientFixture()

            _ = try await fixture.get(server.url("/search"))

            #expect(fixture.sleepSeconds == [5])
        }

        @Test func secondaryRateLimitOn403WithRetryAfter() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/orgs/acme/repos": [.init(status: 403, headers: [("Retry-After", "12")]), .init()]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.send(HTTPRequest(method: .post, url: server.url("/orgs/acme/repos")))

            #expect(response.status == 200)
            #expect(fixture.sleepSeconds == [12])
            #expect(try server.requests().count == 2)
        }

        @Test func secondaryRateLimitMessageWithoutRetryAfterWaitsAMinuteCappedByMaxDelay() async throws {
            let body = "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes.\"}"
            let routes: [String: [ScriptedHTTPServer.Step]] = ["/repos": [.init(status: 403, body: body), .init()]]
            let first = try await ScriptedHTTPServer(routes: routes)
            let second = try await ScriptedHTTPServer(routes: routes)
            let capped = try ClientFixture()
            let uncapped = try ClientFixture { $0.maxDelay = .seconds(120) }

            _ = try await capped.get(first.url("/repos"))
            _ = try await uncapped.get(second.url("/repos"))

            #expect(capped.sleepSeconds == [30])
            #expect(uncapped.sleepSeconds == [60])
        }

        @Test func aPlain403IsAResponse() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/private": [.init(status: 403, headers: [("X-RateLimit-Remaining", "4000")], body: "{\"message\":\"Forbidden\"}")]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/private"))

            #expect(response.status == 403)
            #expect(fixture.sleeps.values.isEmpty)
            #expect(try server.requests().count == 1)
        }

        @Test func primaryRateLimitWaitsUntilResetWhenSoonEnough() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/user": [
                    .init(status: 403, headers: [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "\(Self.epoch + 20)")]),
                    .init(headers: [("X-RateLimit-Remaining", "4999")]),
                ]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/user"))

            #expect(response.status == 200)
            #expect(fixture.sleepSeconds == [20])
            #expect(fixture.events.values.map(\.rateLimitRemaining) == [0, 4999])
        }

        @Test func primaryRateLimitThrowsWhenResetIsTooFar() async throws {
            let reset = Self.epoch + 3600
            let server = try await ScriptedHTTPServer(routes: [
                "/user": [.init(status: 429, headers: [("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "\(reset)")])]
            ])
            let fixture = try ClientFixture()

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/user"))))

            #expect(error.kind == .rateLimited(until: Date(timeIntervalSince1970: Double(reset))))
            #expect(error.attempts == 1)
            #expect(error.description.contains("rate limited until 2023-11-14T23:13:20Z"))
            #expect(fixture.sleeps.values.isEmpty)
            #expect(try server.requests().count == 1)
        }

        @Test func retryAfterLongerThanMaxRateLimitWaitThrows() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/search": [.init(status: 429, headers: [("Retry-After", "120")])]])
            let fixture = try ClientFixture()

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/search"))))

            #expect(error.kind == .rateLimited(until: HTTPClientLiveTests.now.addingTimeInterval(120)))
            #expect(fixture.sleeps.values.isEmpty)
        }

        @Test func rateLimitStillInForceAfterTheLastAttemptThrows() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/search": [.init(status: 429, headers: [("Retry-After", "1")])]])
            let fixture = try ClientFixture { $0.maxAttempts = 3 }

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/search"))))

            #expect(error.kind == .rateLimited(until: HTTPClientLiveTests.now.addingTimeInterval(1)))
            #expect(error.attempts == 3)
            #expect(fixture.sleepSeconds == [1, 1])
        }
    }
}
