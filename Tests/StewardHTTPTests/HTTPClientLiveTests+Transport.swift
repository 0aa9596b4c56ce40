import Foundation
import StewardTestSupport
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    @Suite struct Transport {
        @Test func sequentialRequestsToOneHostShareAConnection() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/ping": [.init(body: "pong")]])
            let fixture = try ClientFixture()

            for _ in 0..<5 { _ = try await fixture.get(server.url("/ping")) }

            #expect(try server.requests().map(\.connection) == [1, 1, 1, 1, 1])
            #expect(fixture.events.values.map(\.reusedConnection) == [false, true, true, true, true])
        }

        @Test func connectionCloseOpensANewConnectionEachTime() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/ping": [.init(body: "pong")]])
            let fixture = try ClientFixture()

            for _ in 0..<3 { _ = try await fixture.get(server.url("/ping"), headers: ["Connection": "close"]) }

            #expect(try server.requests().map(\.connection) == [1, 2, 3])
            #expect(fixture.events.values.map(\.reusedConnection) == [false, false, false])
        }

        @Test func eachHostKeepsItsOwnConnection() async throws {
            let first = try await ScriptedHTTPServer(routes: ["/a": [.init()]])
            let second = try await ScriptedHTTPServer(routes: ["/b": [.init()]])
            let fixture = try ClientFixture()

            for _ in 0..<3 {
                _ = try await fixture.get(first.url("/a"))
                _ = try await fixture.get(second.url("/b"))
            }

            #expect(try first.requests().map(\.connection) == [1, 1, 1])
            #expect(try second.requests().map(\.connection) == [1, 1, 1])
        }

        @Test func concurrentRequestsEachGetTheirOwnHandle() async throws {
            // Every answer waits until all eight requests are in the server at once: only parallel transfers get one.
            let server = try await ScriptedHTTPServer(routes: ["/item": [.init(body: "x", together: 8)]])
            let fixture = try ClientFixture { $0.totalTimeout = Patience.times(2) }
            let client = fixture.client
            let url = server.url("/item")

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.send(HTTPRequest(url: url)).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            #expect(statuses == Array(repeating: 200, count: 8))
            #expect(Set(try server.requests().map(\.connection)).count == 8)
        }

        @Test func cancellingTheTaskAbortsTheTransfer() async throws {
            // The server never answers in the test's lifetime, and the client's own timeout is longer than any
            // wait here: only the cancellation can end the transfer, and the error says it did.
            let server = try await ScriptedHTTPServer(routes: ["/hang": [.init(delay: 86_400)]])
            let fixture = try ClientFixture { $0.totalTimeout = Patience.times(10) }
            let client = fixture.client
            let url = server.url("/hang")

            let task = Task { try await client.send(HTTPRequest(url: url)) }
            try await waitUntil("the request to reach the server") { try !server.requests().isEmpty }
            task.cancel()
            let result = await task.result

            #expect(throws: HTTPError.self) { try result.get() }
            if case .failure(let error as HTTPError) = result {
                #expect(error.kind == .cancelled)
            }
            #expect(try server.requests().count == 1)
        }

        @Test func cancellingDuringABackoffWaitStopsRetrying() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/down": [.init(status: 503)]])
            // The backoff wait outlasts the test: only the cancellation can end it.
            let waits = Recorder<Duration>()
            let fixture = try ClientFixture {
                $0.sleep = { delay in
                    waits.record(delay)
                    try await Task.sleep(for: Patience.times(10))
                }
            }
            let client = fixture.client
            let url = server.url("/down")

            let task = Task { try await client.send(HTTPRequest(url: url)) }
            try await waitUntil("the client to wait before its second attempt") { !waits.values.isEmpty }
            task.cancel()
            let result = await task.result

            if case .failure(let error as HTTPError) = result {
                #expect(error.kind == .cancelled)
            } else {
                Issue.record("expected a cancelled HTTPError, got \(result)")
            }
            #expect(try server.requests().count == 1)
        }

        @Test func certificatesAreVerified() async throws {
            let directory = try TemporaryDirectory(prefix: "steward-tls")
            let key = directory.url.appendingPathComponent("key.pem").path
            let certificate = directory.url.appendingPathComponent("cert.pem").path
            try await run([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                "-keyout", key, "-out", certificate,
            ])
            let server = try await ScriptedHTTPServer(routes: ["/secure": [.init(body: "secret")]], tls: (certificate, key))
            let fixture = try ClientFixture()

            let error = try #require(await fixture.failure(of: HTTPRequest(url: server.url("/secure", scheme: "https"))))

            #expect(error.kind == .tls)
            #expect(error.attempts == 1)
            #expect(error.curlMessage?.contains("certificate") == true)
            #expect(try server.requests().isEmpty)
        }

        /// The client leaves CURLOPT_PROXY unset, so libcurl takes the proxy from the environment.
        @Test func proxyEnvironmentVariablesAreHonoured() async throws {
            let proxy = try await ScriptedHTTPServer(routes: ["/via-proxy": [.init(body: "proxied")]])
            let fixture = try ClientFixture()
            setenv("no_proxy", "127.0.0.1,localhost", 1)
            setenv("http_proxy", "http://127.0.0.1:\(proxy.port)", 1)
            defer {
                unsetenv("http_proxy")
                unsetenv("no_proxy")
            }

            let proxied = try await fixture.get(URL(string: "http://steward-proxy-check.invalid/via-proxy")!)
            let direct = try await fixture.get(proxy.url("/via-proxy"))

            #expect(String(decoding: proxied.body, as: UTF8.self) == "proxied")
            #expect(direct.status == 200)
            #expect(try proxy.requests().map(\.target) == ["http://steward-proxy-check.invalid/via-proxy", "/via-proxy"])
        }
    }
}
