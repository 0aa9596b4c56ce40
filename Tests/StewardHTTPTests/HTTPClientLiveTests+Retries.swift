import Foundation
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    @Suite struct Retries {
        @Test func serverErrorsAreRetriedUntilSuccess() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/flaky": [.init(status: 503), .init(status: 502), .init(status: 500), .init(body: "ok")]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/flaky"))

            #expect(response.status == 200)
            #expect(response.attempts == 4)
            #expect(try server.requests(to: "/flaky").count == 4)
            // Full jitter: uniform in [0, min(maxDelay, 0.5 s · 2^(n−1))] before retry n.
            let delays = fixture.sleepSeconds
            try #require(delays.count == 3)
            for (index, delay) in delays.enumerated() {
                #expect(delay >= 0 && delay <= 0.5 * pow(2, Double(index)), "retry \(index + 1) waited \(delay) s")
            }
            #expect(fixture.events.values.map(\.attempt) == [1, 2, 3, 4])
            #expect(fixture.events.values.map(\.status) == [503, 502, 500, 200])
            #expect(fixture.events.values.prefix(3).allSatisfy { $0.retryDelay != nil })
            #expect(fixture.events.values.last?.retryDelay == nil)
        }

        @Test func backoffCeilingDoublesPerRetryUpToMaxDelay() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/down": [.init(status: 503)]])
            let fixture = try ClientFixture {
                $0.maxAttempts = 6
                $0.baseDelay = .milliseconds(500)
                $0.maxDelay = .seconds(3)
                $0.jitter = { $0.upperBound }
            }

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/down"))))

            #expect(error.kind == .retriesExhausted(lastStatus: 503))
            #expect(fixture.sleepSeconds == [0.5, 1, 2, 3, 3])
        }

        @Test func retriesExhaustedReportsTheLastStatus() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/down": [.init(status: 500), .init(status: 503, body: "{\"message\":\"Service Unavailable\"}")]
            ])
            let fixture = try ClientFixture()

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/down"))))

            #expect(error.kind == .retriesExhausted(lastStatus: 503))
            #expect(error.attempts == 4)
            #expect(error.description.contains("after 4 attempts"))
            #expect(error.description.contains("Service Unavailable"))
            #expect(try server.requests(to: "/down").count == 4)
            #expect(fixture.sleeps.values.count == 3)
        }

        @Test func retryAfterOnA503IsHonoured() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/busy": [.init(status: 503, headers: [("Retry-After", "3")]), .init(body: "ok")]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/busy"))

            #expect(response.attempts == 2)
            #expect(fixture.sleepSeconds == [3])
        }

        @Test func postIsNotRetriedAfterAServerError() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/orgs/acme/repos": [.init(status: 503), .init(status: 201)]])
            let fixture = try ClientFixture()

            let response = try await fixture.send(HTTPRequest(method: .post, url: server.url("/orgs/acme/repos")))

            #expect(response.status == 503)
            #expect(response.attempts == 1)
            #expect(try server.requests().count == 1)
            #expect(fixture.sleeps.values.isEmpty)
        }

        @Test func patchIsNotRetriedAfterATimeout() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/repos/acme/bot": [.init(delay: 3)]])
            let fixture = try ClientFixture { $0.totalTimeout = .milliseconds(300) }

            let error = try #require(await fixture.failure(of: HTTPRequest(
                method: .patch, url: server.url("/repos/acme/bot"), body: Data("{}".utf8)
            )))

            #expect(error.kind == .timeout)
            #expect(error.attempts == 1)
            #expect(try server.requests().count == 1)
        }

        @Test func postIsRetriedWhenTheConnectionWasRefused() async throws {
            let port = try ScriptedHTTPServer.closedPort()
            let fixture = try ClientFixture { $0.maxAttempts = 3 }

            let error = try #require(await fixture.failure(of: HTTPRequest(
                method: .post, url: URL(string: "http://127.0.0.1:\(port)/orgs/acme/repos")!
            )))

            #expect(error.kind == .retriesExhausted(lastStatus: nil))
            #expect(error.attempts == 3)
            #expect(error.curlMessage?.contains("Couldn't connect") == true)
            #expect(fixture.events.values.map(\.failure) == [.connection, .connection, .connection])
        }

        @Test func timeoutsAreRetriedForGet() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/slow": [.init(delay: 3), .init(body: "fast now")]])
            let fixture = try ClientFixture { $0.totalTimeout = .milliseconds(300) }

            let response = try await fixture.get(server.url("/slow"))

            #expect(String(decoding: response.body, as: UTF8.self) == "fast now")
            #expect(response.attempts == 2)
            #expect(fixture.events.values.first?.failure == .timeout)
        }

        @Test func aTimeoutWithoutRetriesIsATimeout() async throws {
            // The server never answers in the test's lifetime: only the client's own timeout ends the request.
            let server = try await ScriptedHTTPServer(routes: ["/slow": [.init(delay: 86_400)]])
            let fixture = try ClientFixture {
                $0.totalTimeout = .milliseconds(300)
                $0.maxAttempts = 1
            }

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/slow"))))

            #expect(error.kind == .timeout)
            #expect(error.curlMessage?.contains("Timeout was reached") == true)
        }

        @Test func timeoutsUntilTheLastAttemptExhaustRetries() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/slow": [.init(delay: 3)]])
            let fixture = try ClientFixture {
                $0.totalTimeout = .milliseconds(250)
                $0.maxAttempts = 2
            }

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/slow"))))

            #expect(error.kind == .retriesExhausted(lastStatus: nil))
            #expect(error.curlMessage?.contains("Timeout was reached") == true)
            #expect(try server.requests().count == 2)
        }
    }
}
