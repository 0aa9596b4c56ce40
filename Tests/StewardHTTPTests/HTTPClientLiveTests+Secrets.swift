import Foundation
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    @Suite struct Secrets {
        static let token = "ghp_S3cr3tT0kenValue0123456789abcdefXYZ"

        @Test func eventsNeverContainTheAuthorizationValue() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/user": [.init(status: 503), .init(headers: [("X-RateLimit-Remaining", "4998")], body: "{}")]
            ])
            let fixture = try ClientFixture()
            let request = HTTPRequest(
                url: server.url("/user?access_token=\(Self.token)&page=2"),
                headers: ["Authorization": "Bearer \(Self.token)", "Accept": "application/vnd.github+json"]
            )

            let response = try await fixture.send(request)

            #expect(response.status == 200)
            #expect(try server.requests().last?.header("authorization") == "Bearer \(Self.token)")
            let events = fixture.events.values
            #expect(events.count == 2)
            for event in events {
                var dumped = ""
                dump(event, to: &dumped)
                for text in [event.description, String(reflecting: event), dumped, event.path] {
                    #expect(!text.contains("S3cr3t"), "event leaks the token: \(text)")
                }
            }
            #expect(events[1].path == "/user?access_token=REDACTED&page=2")
            #expect(events[1].rateLimitRemaining == 4998)
        }

        @Test func authorizationIsNotForwardedToAnotherHostOnRedirect() async throws {
            let target = try await ScriptedHTTPServer(routes: ["/landing": [.init(body: "elsewhere")]])
            let origin = try await ScriptedHTTPServer(routes: [
                "/start": [.init(status: 302, headers: [("Location", "http://localhost:\(target.port)/landing")])]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(origin.url("/start"), headers: ["Authorization": "Bearer \(Self.token)"])

            #expect(String(decoding: response.body, as: UTF8.self) == "elsewhere")
            #expect(try origin.requests().first?.header("authorization") == "Bearer \(Self.token)")
            let landed = try #require(try target.requests().first)
            #expect(landed.header("authorization") == nil)
        }

        @Test func requestDescriptionsHideHeaderValuesAndURLSecrets() {
            let request = HTTPRequest(
                method: .post,
                url: URL(string: "https://steward:hunter22@api.github.com/app/installations/1/access_tokens?sig=abc123")!,
                headers: ["Authorization": "Bearer \(Self.token)"]
            )
            var dumped = ""
            dump(request, to: &dumped)

            for text in ["\(request)", String(reflecting: request), dumped, "\(request.headers)"] {
                #expect(!text.contains("S3cr3t"), "\(text)")
                #expect(!text.contains("hunter22"), "\(text)")
                #expect(!text.contains("abc123"), "\(text)")
            }
            #expect(request.description.contains("Authorization"))
            #expect(request.description.contains("https://api.github.com/app/installations/1/access_tokens?sig=REDACTED"))
        }

        @Test func errorsNeverContainUserinfoOrTheToken() async throws {
            let port = try ScriptedHTTPServer.closedPort()
            let fixture = try ClientFixture { $0.maxAttempts = 2 }
            let request = HTTPRequest(
                url: URL(string: "http://x-access-token:hunter22@127.0.0.1:\(port)/repos?token=\(Self.token)")!,
                headers: ["Authorization": "token \(Self.token)"]
            )

            let error = try #require(await fixture.failure(of: request))

            #expect(error.kind == .retriesExhausted(lastStatus: nil))
            #expect(error.url == "http://127.0.0.1:\(port)/repos?token=REDACTED")
            var dumped = ""
            dump(error, to: &dumped)
            for text in [error.description, String(reflecting: error), dumped] {
                #expect(!text.contains("hunter22"), "\(text)")
                #expect(!text.contains("x-access-token"), "\(text)")
                #expect(!text.contains("S3cr3t"), "\(text)")
            }
            for event in fixture.events.values {
                #expect(!event.description.contains("hunter22"))
                #expect(!event.description.contains("S3cr3t"))
            }
        }
    }
}
