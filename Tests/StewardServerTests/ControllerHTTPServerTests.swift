import Crypto
import Foundation
import Logging
import StewardCore
import StewardHTTP
import StewardModel
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

/// The controller's HTTP server on a real socket, asked over libcurl: health, readiness, metrics with and without a
/// token, and GitHub deliveries (signature, size, redelivery, what each enqueues).
struct ControllerHTTPServerTests {
    /// A controller on in-memory parts (one project deploying acme/shop at main), the server on a free port.
    final class Fixture: @unchecked Sendable {
        let config: TemporaryDirectory
        let state: TemporaryDirectory
        let playbooks: TemporaryDirectory
        let store: SQLStateStore
        let metrics = StewardMetrics(version: "test")
        let controller: Controller
        let client: HTTPClient
        var base = URL(string: "http://127.0.0.1:0")!
        private var server: Task<Void, any Error>?
        private var workers: Task<Void, Never>?

        init() throws {
            config = try TemporaryDirectory(prefix: "config")
            state = try TemporaryDirectory(prefix: "state")
            playbooks = try TemporaryDirectory(prefix: "playbooks")
            try playbooks.write("deploy_project.yml", "- hosts: all\n")
            try config.write("manifests/servers.yaml", """
                apiVersion: steward/v1
                kind: Server
                metadata: {name: local}
                spec: {address: 127.0.0.1, connection: local, capacity: {ports: "18000-18009"}}
                """)
            try config.write("manifests/shop.yaml", """
                apiVersion: steward/v1
                kind: Project
                metadata: {name: shop}
                spec: {repo: acme/shop, server: local}
                """)
            store = try SQLStateStore(stateDirectory: state.url)
            let reconciler = Reconciler(
                source: DirectoryConfigSource(root: config.url), store: InMemoryStateStore(),
                makeResolver: { _ in FakeResolver(commits: ["acme/shop": "c1"]) }, runner: FakePlaybookRunner(),
                library: try PlaybookLibrary(directory: playbooks.url), stateDirectory: state.url,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            var options = Controller.Options(configInterval: 3600)
            options.metrics = metrics
            controller = Controller(reconciler: reconciler, leases: nil, options: options)
            // Generous: the server's handlers share the cooperative pool with every other test running in parallel,
            // and a loaded 2-core machine made 10 s a coin flip. No test here waits for a timeout.
            client = try HTTPClient(configuration: .init(totalTimeout: .seconds(60), maxAttempts: 1))
        }

        func start(
            _ configure: (inout ControllerHTTPServer.Options) -> Void = { _ in }, agentThreads: AgentThreadReader? = nil
        ) async throws {
            var options = ControllerHTTPServer.Options(address: ListenAddress(host: "127.0.0.1", port: 0), configBranch: "main")
            options.webhookSecret = "s3cret"
            options.configRepository = "acme/config"
            configure(&options)
            var server = ControllerHTTPServer(
                options: options, controller: controller, store: store, apiStore: store, metrics: metrics,
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            server.agentThreads = agentThreads
            let (bound, continuation) = AsyncStream.makeStream(of: ListenAddress.self)
            let app = server.application { continuation.yield($0) }
            self.server = Task { try await app.run() }
            var addresses = bound.makeAsyncIterator()
            let address = try #require(await addresses.next())
            base = URL(string: "http://127.0.0.1:\(address.port)")!
        }

        /// Runs the controller until its first poll settled.
        func runController() async throws {
            workers = Task { [controller] in await controller.run() }
            try await waitUntil("the first poll to settle") { controller.isReady && controller.isIdle() }
        }

        func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
            try await client.send(HTTPRequest(url: URL(string: base.absoluteString + "/" + path)!, headers: headers))
        }

        func deliver(
            _ event: String, _ body: Data, id: String? = UUID().uuidString, signature: String?? = nil,
            contentType: String = "application/json"
        ) async throws -> HTTPResponse {
            var headers: HTTPHeaders = ["X-GitHub-Event": event, "Content-Type": contentType]
            if let id { headers.add(name: "X-GitHub-Delivery", value: id) }
            if let header = signature ?? Self.sign(body) { headers.add(name: "X-Hub-Signature-256", value: header) }
            return try await client.send(HTTPRequest(method: .post, url: base.appendingPathComponent("hooks/github"), headers: headers, body: body))
        }

        static func sign(_ body: Data, secret: String = "s3cret") -> String {
            "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
                .map { String(format: "%02x", $0) }.joined()
        }

        func metricsText(_ headers: HTTPHeaders = [:]) async throws -> String {
            String(decoding: try await get("metrics", headers: headers).body, as: UTF8.self)
        }

        func stop() async {
            server?.cancel()
            _ = await server?.result
            if let workers {
                await controller.shutDown(grace: .seconds(10), cancelling: workers)
                await workers.value
            }
        }
    }

    @Test func healthReadinessAndMetricsBehindTheirToken() async throws {
        let fixture = try Fixture()
        try await fixture.start { $0.token = "t0ken" }
        #expect(try await fixture.get("healthz").status == 200)
        let early = try await fixture.get("readyz")
        #expect(early.status == 503, "no config poll yet")
        #expect(String(decoding: early.body, as: UTF8.self).contains("first config poll"))
        try await fixture.runController()
        #expect(try await fixture.get("readyz").status == 200)

        let refused = try await fixture.get("metrics")
        #expect(refused.status == 401)
        #expect(refused.headers["WWW-Authenticate"] == "Bearer")
        #expect(try await fixture.get("metrics", headers: ["Authorization": "Bearer wrong"]).status == 401)
        let text = try await fixture.metricsText(["Authorization": "Bearer t0ken"])
        #expect(text.contains(#"steward_build_info{version="test"} 1"#), "\(text)")
        #expect(text.contains(#"steward_reconcile_total{kind="project",result="done"}"#), "\(text)")
        #expect(text.contains("steward_workqueue_adds_total"))
        #expect(text.contains("steward_workqueue_depth 0"))
        #expect(text.contains("# TYPE steward_reconcile_duration_seconds histogram"))
        await fixture.stop()
    }

    @Test func signedDeliveriesEnqueueWhatTheyNameOnceAndTheRestIsRefused() async throws {
        let fixture = try Fixture()
        try await fixture.start { $0.maxBodyBytes = 4096 }
        try await fixture.runController()
        let reconciles = fixture.controller.reconciles

        let ping = try await fixture.deliver("ping", Data(#"{"zen":"Design for failure."}"#.utf8))
        #expect(ping.status == 200)
        let push = Data(#"{"ref":"refs/heads/main","repository":{"full_name":"acme/shop"}}"#.utf8)
        let accepted = try await fixture.deliver("push", push, id: "delivery-1")
        #expect(accepted.status == 202, "\(String(decoding: accepted.body, as: UTF8.self))")
        try await waitUntil("shop to be reconciled") { fixture.controller.reconciles > reconciles && fixture.controller.isIdle() }
        let afterPush = fixture.controller.reconciles
        let again = try await fixture.deliver("push", push, id: "delivery-1")
        #expect(again.status == 202)
        #expect(String(decoding: again.body, as: UTF8.self) == "duplicate delivery\n")
        try await Task.sleep(for: .milliseconds(300))
        #expect(fixture.controller.reconciles == afterPush, "a redelivery enqueues nothing")

        #expect(try await fixture.deliver("push", push, signature: .some(nil)).status == 401)
        #expect(try await fixture.deliver("push", push, signature: Fixture.sign(push, secret: "other")).status == 401)
        #expect(try await fixture.deliver("push", Data("not json".utf8)).status == 400)
        let form = Data("payload=%7B%7D".utf8)
        #expect(try await fixture.deliver("push", form, contentType: "application/x-www-form-urlencoded").status == 415)
        #expect(try await fixture.deliver("ping", Data("{}".utf8), contentType: "application/json; charset=utf-8").status == 200)
        let large = Data(String(repeating: "x", count: 8192).utf8)
        #expect(try await fixture.deliver("push", large).status == 413)
        let ignored = try await fixture.deliver("issues", Data("{}".utf8))
        #expect(ignored.status == 202)
        #expect(String(decoding: ignored.body, as: UTF8.self).hasPrefix("ignored"))

        let text = try await fixture.metricsText()
        for line in [
            #"steward_webhook_deliveries_total{event="push",result="accepted"} 1"#,
            #"steward_webhook_deliveries_total{event="push",result="duplicate"} 1"#,
            #"steward_webhook_deliveries_total{event="push",result="unauthorized"} 2"#,
            #"steward_webhook_deliveries_total{event="push",result="malformed"} 1"#,
            #"steward_webhook_deliveries_total{event="push",result="too_large"} 1"#,
            #"steward_webhook_deliveries_total{event="push",result="unsupported_media_type"} 1"#,
            #"steward_webhook_deliveries_total{event="issues",result="ignored"} 1"#,
            #"steward_webhook_deliveries_total{event="ping",result="accepted"} 2"#,
        ] {
            #expect(text.contains(line), "\(line)\n\(text)")
        }
        await fixture.stop()
    }

    @Test func withoutASecretTheHookAnswers503() async throws {
        let fixture = try Fixture()
        try await fixture.start { $0.webhookSecret = nil }
        let response = try await fixture.deliver("ping", Data("{}".utf8))
        #expect(response.status == 503)
        #expect(String(decoding: response.body, as: UTF8.self).contains("webhooks.github.secretEnv"))
        await fixture.stop()
    }

    @Test func theAPIServesTheStateAsGetShowsItAndItsOpenAPIDocument() async throws {
        let fixture = try Fixture()
        let store = fixture.store
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", phase: .active, generation: 2,
            observedGeneration: 2, server: "local", port: 18000, updatedAt: now),
            events: [EventRecord(time: now, objectKind: "Project", objectName: "shop", reason: "Deployed", message: "deployed c1")])
        try await store.save(server: ServerRecord(name: "local", status: .ready, updatedAt: now), events: [])
        let runID = try await store.beginRun(RunRecord(kind: "deploy", project: "shop", playbook: "deploy_project.yml",
            inputHash: "h", startedAt: now))
        try await store.appendTask(runID: runID, TaskEvent(host: "local", task: "Start the app", status: .changed, durationMs: 12))
        try await store.finishRun(RunRecord(id: runID, kind: "deploy", project: "shop", playbook: "deploy_project.yml",
            inputHash: "h", status: .succeeded, startedAt: now, finishedAt: now))
        _ = try await store.openIncident(IncidentRecord(kind: .serviceDown, severity: .critical, objectKind: "Project",
            objectName: "shop", message: "down", openedAt: now), events: [])
        try await store.appendJournal([JournalEntry(time: now, level: .info, message: "hello", project: "shop")])
        try await fixture.start { $0.token = "t0ken" }
        let auth: HTTPHeaders = ["Authorization": "Bearer t0ken"]
        func json(_ path: String) async throws -> (Int, Any?) {
            let response = try await fixture.get(path, headers: auth)
            #expect(response.headers["Content-Type"] == "application/json", "\(path)")
            return (response.status, try? JSONSerialization.jsonObject(with: response.body))
        }

        #expect(try await fixture.get("api/v1/projects").status == 401, "the token guards the API too")
        let (status, projects) = try await json("api/v1/projects")
        #expect(status == 200)
        #expect(((projects as? [[String: Any]])?.first?["name"] as? String) == "shop")
        let (_, detail) = try await json("api/v1/projects/shop")
        let object = try #require(detail as? [String: Any])
        #expect((object["project"] as? [String: Any])?["observedGeneration"] as? Int == 2)
        #expect(((object["runs"] as? [[String: Any]])?.first?["tasks"] as? [[String: Any]])?.count == 1)
        var changed = try #require(try await store.project(named: "shop"))
        changed.port = 18001
        try await store.save(project: changed, events: [])
        let (_, again) = try await json("api/v1/projects")
        #expect(((again as? [[String: Any]])?.first?["port"] as? Int) == 18001, "the list's cache follows a write")
        let missing = try await json("api/v1/projects/nope")
        #expect(missing.0 == 404 && (missing.1 as? [String: String])?["error"] == "no project named nope")
        #expect(try await json("api/v1/projects/shop/events").0 == 200)
        #expect(try await json("api/v1/projects/shop/events?limit=0").0 == 400)
        #expect(try await json("api/v1/servers/local").0 == 200)
        #expect(try await json("api/v1/servers/nope").0 == 404)
        #expect((try await json("api/v1/incidents?status=open").1 as? [Any])?.count == 1)
        #expect((try await json("api/v1/incidents?status=resolved").1 as? [Any])?.count == 0)
        #expect(try await json("api/v1/incidents?status=bogus").0 == 400)
        let (runStatus, run) = try await json("api/v1/runs/\(runID)")
        #expect(runStatus == 200 && (run as? [String: Any])?["status"] as? String == "succeeded")
        #expect(try await json("api/v1/runs/abc").0 == 400)
        #expect(try await json("api/v1/runs/999999").0 == 404)
        let (_, lines) = try await json("api/v1/journal?since=0")
        #expect(((lines as? [[String: Any]])?.contains { $0["message"] as? String == "hello" }) == true)
        #expect(try await json("api/v1/journal?since=-1").0 == 400)
        #expect(try await json("api/v1/elsewhere").0 == 404)

        let served = try await fixture.get("api/v1/openapi.json")
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        #expect(String(decoding: served.body, as: UTF8.self) == (try String(contentsOf: committed, encoding: .utf8)),
            "the served document is docs/openapi.json (python3 scripts/openapi.py writes both)")
        await fixture.stop()
    }
}
