import Foundation
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    @Suite struct Responses {
        @Test func getReturnsStatusBodyHeadersAndSendsTheUserAgent() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/repos": [.init(headers: [("Content-Type", "application/json"), ("ETag", "\"abc\"")], body: "{\"id\":1}")]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/repos?per_page=100"), headers: ["Accept": "application/json"])

            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"id\":1}")
            #expect(response[header: "ETag"] == "\"abc\"")
            #expect(response.headers.fields.map(\.name).contains("content-type"))
            #expect(response.attempts == 1)
            #expect(response.url == server.url("/repos?per_page=100"))
            let logged = try #require(try server.requests().first)
            #expect(logged.target == "/repos?per_page=100")
            #expect(logged.header("user-agent") == HTTPClient.Configuration.defaultUserAgent)
            #expect(logged.header("accept") == "application/json")
            #expect(fixture.sleeps.values.isEmpty)
        }

        @Test func repeatedHeadersKeepEveryValueInOrder() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/page": [.init(headers: [
                    ("Link", "<https://api.example/page2>; rel=\"next\""), ("X-Single", "one"),
                    ("Link", "<https://api.example/page9>; rel=\"last\""),
                ])]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/page"))

            #expect(response.values(for: "link") == [
                "<https://api.example/page2>; rel=\"next\"", "<https://api.example/page9>; rel=\"last\"",
            ])
            #expect(response.values(for: "LINK").count == 2)
            #expect(response[header: "x-single"] == "one")
            #expect(response[header: "x-missing"] == nil)
        }

        @Test func clientErrorsAreResponsesNotErrors() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/forbidden": [.init(status: 403, body: "{\"message\":\"Must have admin rights\"}")]
            ])
            let fixture = try ClientFixture()

            let missing = try await fixture.get(server.url("/repositories/42"))
            let forbidden = try await fixture.get(server.url("/forbidden"))

            #expect(missing.status == 404)
            #expect(forbidden.status == 403)
            #expect(try server.requests().count == 2)
            #expect(fixture.sleeps.values.isEmpty)
        }

        @Test func gzipBodiesAreDecoded() async throws {
            let chunk = "{\"name\":\"steward\",\"private\":false},"
            let server = try await ScriptedHTTPServer(routes: [
                "/compressed": [.init(body: chunk, repeatCount: 50_000, gzip: true)]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/compressed"))

            #expect(response[header: "content-encoding"] == "gzip")
            #expect(response.body == Data(String(repeating: chunk, count: 50_000).utf8))
            let accepted = try #require(try server.requests().first?.header("accept-encoding"))
            #expect(accepted.contains("gzip"))
        }

        @Test func largeBodiesArriveWhole() async throws {
            let chunk = "0123456789abcdef"
            let server = try await ScriptedHTTPServer(routes: ["/large": [.init(body: chunk, repeatCount: 262_144)]])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/large"))

            #expect(response.body.count == 4 * 1024 * 1024)
            #expect(response.body == Data(String(repeating: chunk, count: 262_144).utf8))
        }

        @Test func notModifiedIsReturnedAndReported() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/orgs/acme/repos": [.init(status: 304, headers: [("ETag", "\"v1\""), ("X-RateLimit-Remaining", "4999")])]
            ])
            let fixture = try ClientFixture()

            let response = try await fixture.get(server.url("/orgs/acme/repos"), headers: ["If-None-Match": "\"v1\""])

            #expect(response.status == 304)
            #expect(response.body.isEmpty)
            #expect(try server.requests().first?.header("if-none-match") == "\"v1\"")
            let event = try #require(fixture.events.values.first)
            #expect(event.notModified)
            #expect(event.status == 304)
            #expect(event.rateLimitRemaining == 4999)
            #expect(event.path == "/orgs/acme/repos")
        }

        @Test func postSendsItsBodyWithoutAFormContentType() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/orgs/acme/repos": [.init(status: 201, body: "{}")]])
            let fixture = try ClientFixture()
            let json = Data("{\"name\":\"weather-bot\"}".utf8)

            let created = try await fixture.send(HTTPRequest(
                method: .post, url: server.url("/orgs/acme/repos"), headers: ["Content-Type": "application/json"],
                body: json
            ))
            let empty = try await fixture.send(HTTPRequest(method: .put, url: server.url("/orgs/acme/repos")))

            #expect(created.status == 201)
            #expect(empty.status == 201)
            let requests = try server.requests()
            #expect(requests.map(\.method) == ["POST", "PUT"])
            #expect(requests[0].body == "{\"name\":\"weather-bot\"}")
            #expect(requests[0].header("content-type") == "application/json")
            #expect(requests[0].header("expect") == nil)
            #expect(requests[1].header("content-length") == "0")
            #expect(requests[1].header("content-type") == nil)
        }

        @Test func getFollowsRedirectsOtherMethodsDoNot() async throws {
            let server = try await ScriptedHTTPServer(routes: [
                "/old": [.init(status: 301, headers: [("Location", "/new")])],
                "/new": [.init(body: "moved here")],
            ])
            let fixture = try ClientFixture()

            let followed = try await fixture.get(server.url("/old"))
            let notFollowed = try await fixture.send(HTTPRequest(method: .post, url: server.url("/old")))

            #expect(followed.status == 200)
            #expect(String(decoding: followed.body, as: UTF8.self) == "moved here")
            #expect(followed.url == server.url("/new"))
            #expect(notFollowed.status == 301)
            #expect(notFollowed[header: "location"] == "/new")
            #expect(try server.requests().map(\.route) == ["/old", "/new", "/old"])
        }

        @Test func redirectLoopsStopAfterFive() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/loop": [.init(status: 302, headers: [("Location", "/loop")])]])
            let fixture = try ClientFixture()

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/loop"))))

            #expect(error.kind == .tooManyRedirects)
            #expect(error.attempts == 1)
            #expect(try server.requests().count == 6)
        }

        @Test func unsupportedSchemesAndBadHeadersAreRejectedBeforeSending() async throws {
            let fixture = try ClientFixture()

            let file = try #require(await fixture.failure(of: HTTPRequest(url: URL(fileURLWithPath: "/etc/passwd"))))
            let injected = try #require(await fixture.failure(of: HTTPRequest(
                url: URL(string: "http://127.0.0.1:9/")!, headers: ["X-Evil": "a\r\nInjected: yes"]
            )))

            #expect(file.kind == .invalidURL)
            #expect(file.attempts == 0)
            #expect(injected.kind == .invalidRequest)
            #expect(injected.description.contains("X-Evil"))
            #expect(!injected.description.contains("Injected"))
            #expect(fixture.events.values.isEmpty)
        }
    }
}
