import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

@testable import StewardHTTP

extension HTTPClientLiveTests {
    /// The libcurl health probe against a real HTTP server on 127.0.0.1: one attempt per check, whatever happens.
    @Suite struct HealthProbeLive {
        @Test func a200IsAnAnswerWithItsBody() async throws {
            let server = try await ScriptedHTTPServer(routes: ["/health": [.init(body: "{\"status\": \"ok\"}\n")]])
            let answer = try await HTTPHealthProbe().get(server.url("/health"), timeout: .seconds(5))
            #expect(answer.status == 200)
            #expect(answer.isHealthy)
            #expect(answer.bodyExcerpt == "{\"status\": \"ok\"}")
            let requests = try server.requests()
            #expect(requests.count == 1)
            #expect(requests.first?.header("user-agent") == HTTPHealthProbe.userAgent)
        }

        @Test func a500IsAnAnswerNotRetried() async throws {
            let body = String(repeating: "database down; ", count: 40)
            let server = try await ScriptedHTTPServer(routes: ["/health": [.init(status: 500, body: body)]])
            let answer = try await HTTPHealthProbe().get(server.url("/health"), timeout: .seconds(5))
            #expect(answer.status == 500)
            #expect(!answer.isHealthy)
            #expect(answer.bodyExcerpt.hasPrefix("database down;"))
            #expect(answer.bodyExcerpt.count <= HealthProbeAnswer.excerptLength)
            #expect(try server.requests().count == 1)
        }

        @Test func aRefusedConnectionIsAConnectionError() async throws {
            let port = try ScriptedHTTPServer.closedPort()
            let url = URL(string: "http://127.0.0.1:\(port)/health")!
            let error = await #expect(throws: HealthProbeError.self) {
                _ = try await HTTPHealthProbe().get(url, timeout: .seconds(5))
            }
            #expect(error?.kind == .connection)
            #expect(error?.message.contains("connection failed") == true)
        }

        @Test func aSlowAppTimesOutAfterOneAttempt() async throws {
            // The app never answers in the test's lifetime: only the check's own timeout ends it.
            let server = try await ScriptedHTTPServer(routes: ["/health": [.init(body: "late", delay: 86_400)]])
            let error = await #expect(throws: HealthProbeError.self) {
                _ = try await HTTPHealthProbe().get(server.url("/health"), timeout: .milliseconds(300))
            }
            #expect(error?.kind == .timeout)
            #expect(try server.requests(to: "/health").count <= 1)
        }

        /// The checker over the real probe: many projects, one server, bounded concurrency; prints the time.
        @Test func theCheckerChecksManyProjectsAgainstARealServer() async throws {
            let count = 100
            var routes: [String: [ScriptedHTTPServer.Step]] = [:]
            for index in 0..<count { routes["/health/\(index)"] = [.init(status: index % 10 == 0 ? 503 : 200, body: "ok")] }
            let server = try await ScriptedHTTPServer(routes: routes)
            let store = InMemoryStateStore()
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            await store.save(server: ServerRecord(name: "local", status: .ready,
                spec: ServerSpec(address: "127.0.0.1", connection: .local), updatedAt: now), events: [])
            for index in 0..<count {
                let spec = ProjectSpec(repo: "acme/p\(index)", server: "local", deploy: .init(healthPath: "/health/\(index)"))
                await store.save(project: ProjectRecord(name: "p\(index)", phase: .active, spec: spec, server: "local",
                    port: server.port, updatedAt: now), events: [])
            }
            let checker = HealthChecker(
                probe: try HTTPHealthProbe(), store: store, downAfter: 1, now: { now },
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            let report = try await checker.run()
            #expect(report.checked.count == count)
            #expect(report.healthy.count == count - count / 10)
            #expect(report.wentDown.count == count / 10)
            #expect(await store.incidentLog.count == count / 10)
            #expect(try server.requests().count == count)
            let second = try await checker.run()
            #expect(second.stillDown.count == count / 10)
            print("health: \(count) projects checked in \(report.duration) (first round), \(second.duration) (second round)")
        }
    }
}
