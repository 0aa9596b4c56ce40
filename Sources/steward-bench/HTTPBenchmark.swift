import Crypto
import Foundation
import Logging
import StewardCore
import StewardHTTP
import StewardModel
import StewardServer
import StewardStore
import StewardTestSupport

/// `steward-bench http [PROJECTS]`'s child (issue 14's performance targets): the controller on the converged fleet
/// with its HTTP server on a free port, asked over libcurl: `/metrics` and `/api/v1/projects` with PROJECTS projects, a
/// signed push webhook to the first of its projects reconciled, and `wrk` on `/healthz` for 10 s (when wrk is installed).
struct HTTPBenchmarkChild {
    var config: String
    var state: URL
    var projects: Int

    func run() async throws {
        let bench = try await BenchServer(config: config, state: state)
        let (controller, client, base) = (bench.controller, bench.client, bench.base)

        var scrapes: [Double] = []
        var size = 0
        for _ in 0..<101 {
            let started = ContinuousClock.now
            let response = try await client.send(HTTPRequest(url: base.appendingPathComponent("metrics")))
            scrapes.append((ContinuousClock.now - started).seconds)
            size = response.body.count
            guard response.status == 200 else { throw BenchmarkFailure("/metrics answered \(response.status)") }
        }
        scrapes.removeFirst()
        report(String(format: "GET /metrics with %d projects, 100 scrapes: p50 %.1f ms, p99 %.1f ms (%d bytes)",
            projects, percentile(scrapes, 0.5) * 1000, percentile(scrapes, 0.99) * 1000, size))

        var lists: [Double] = []
        for _ in 0..<11 {
            let started = ContinuousClock.now
            let response = try await client.send(HTTPRequest(url: base.appendingPathComponent("api/v1/projects")))
            lists.append((ContinuousClock.now - started).seconds)
            size = response.body.count
            guard response.status == 200 else { throw BenchmarkFailure("/api/v1/projects answered \(response.status)") }
        }
        let cold = lists.removeFirst()
        let reading = ContinuousClock.now
        let records = try await SQLStateStore(stateDirectory: state, readOnly: true).projects(withDetails: true)
        let read = ContinuousClock.now - reading
        let encoding = ContinuousClock.now
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        _ = try encoder.encode(records)
        report(String(format: "GET /api/v1/projects, the first request (nothing encoded yet): %.0f ms; reading every record "
            + "alone %.0f ms, encoding them all %.0f ms", cold * 1000, read.seconds * 1000, (ContinuousClock.now - encoding).seconds * 1000))
        report(String(format: "GET /api/v1/projects with %d projects, 10 requests after it: p50 %.0f ms, max %.0f ms (%.1f MB of JSON)",
            projects, percentile(lists, 0.5) * 1000, (lists.max() ?? 0) * 1000, Double(size) / 1_048_576))

        // A push to one app repo: the 1 in 100 projects deploying it are enqueued.
        var firsts: [Double] = []
        var alls: [Double] = []
        for round in 0..<50 {
            try await waitUntil("the controller to be idle", limit: .seconds(600), every: .milliseconds(5)) { controller.isIdle() }
            let before = controller.reconciles
            let body = Data(#"{"ref":"refs/heads/main","repository":{"full_name":"bench/r-\#(round % ControllerBenchmark.repos)"}}"#.utf8)
            let signature = "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data("bench".utf8)))
                .map { String(format: "%02x", $0) }.joined()
            let started = ContinuousClock.now
            let response = try await client.send(HTTPRequest(method: .post, url: base.appendingPathComponent("hooks/github"), headers: [
                "X-GitHub-Event": "push", "X-GitHub-Delivery": "bench-\(round)", "X-Hub-Signature-256": signature,
                "Content-Type": "application/json",
            ], body: body))
            guard response.status == 202 else { throw BenchmarkFailure("the webhook answered \(response.status)") }
            try await waitUntil("a project of the push reconciled", every: .microseconds(200)) { controller.reconciles > before }
            firsts.append((ContinuousClock.now - started).seconds)
            let expected = projects / ControllerBenchmark.repos
            try await waitUntil("every project of the push reconciled", limit: .seconds(600), every: .milliseconds(1)) {
                controller.reconciles >= before + expected && controller.isIdle()
            }
            alls.append((ContinuousClock.now - started).seconds)
        }
        report(String(format: "signed push webhook -> the first of its %d projects reconciled, 50 pushes: p50 %.1f ms, "
            + "p99 %.1f ms, max %.1f ms; all of them reconciled: p50 %.0f ms, p99 %.0f ms",
            projects / ControllerBenchmark.repos, percentile(firsts, 0.5) * 1000, percentile(firsts, 0.99) * 1000,
            (firsts.max() ?? 0) * 1000, percentile(alls, 0.5) * 1000, percentile(alls, 0.99) * 1000))

        if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
            let output = try ProcessGroupChild.runToEnd(ProcessLaunch(
                executable: wrk, arguments: [wrk, "-t", "2", "-c", "32", "-d", "10s", base.appendingPathComponent("healthz").absoluteString],
                environment: ProcessInfo.processInfo.environment, workingDirectory: "/"))
            let lines = output.stdoutText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let summary = lines.filter { $0.hasPrefix("Requests/sec") || $0.contains("requests in") || $0.hasPrefix("Socket errors")
                || $0.hasPrefix("Non-2xx") || $0.hasPrefix("Latency") }
            let errors = lines.contains { $0.hasPrefix("Socket errors") || $0.hasPrefix("Non-2xx") }
            report("wrk -t2 -c32 -d10s /healthz: " + summary.joined(separator: "; ") + (errors ? "" : "; no errors"))
        } else {
            report("wrk -t2 -c32 -d10s /healthz: not run (wrk is not installed: apt-get install wrk)")
        }
        await bench.stop()
    }
}

/// The controller of a benchmark fleet, settled, with its HTTP server on a free port (`http-child`, `dashboard-child`).
struct BenchServer {
    let controller: Controller
    let store: SQLStateStore
    let client: HTTPClient
    let base: URL
    private let workers: Task<Void, Never>
    private let app: Task<Void, any Error>

    init(config: String, state: URL) async throws {
        let reconciler = try ControllerBenchmark.reconciler(config: config, state: state, runner: FakePlaybookRunner())
        guard let store = reconciler.store as? SQLStateStore else { throw BenchmarkFailure("the fleet's store is not SQLite") }
        try await store.limitMemoryMap(toBytes: SQLStateStore.controllerMemoryMapBytes)
        self.store = store
        let metrics = StewardMetrics(version: "bench")
        var options = Controller.Options(configInterval: 3600)
        options.metrics = metrics
        let controller = Controller(reconciler: reconciler, leases: nil, options: options)
        self.controller = controller
        workers = Task { await controller.run() }
        try await waitUntil("the first settle", limit: .seconds(600), every: .milliseconds(20)) {
            controller.isReady && controller.isIdle()
        }
        var serverOptions = ControllerHTTPServer.Options(address: ListenAddress(host: "127.0.0.1", port: 0), configBranch: "main")
        serverOptions.webhookSecret = "bench"
        let server = ControllerHTTPServer(
            options: serverOptions, controller: controller, store: store,
            apiStore: try SQLStateStore(stateDirectory: state, readOnly: true), metrics: metrics,
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
        let (bound, continuation) = AsyncStream.makeStream(of: ListenAddress.self)
        app = Task { try await server.application { continuation.yield($0) }.run() }
        var addresses = bound.makeAsyncIterator()
        guard let address = await addresses.next() else { throw BenchmarkFailure("the HTTP server did not start") }
        base = URL(string: "http://127.0.0.1:\(address.port)")!
        client = try HTTPClient(configuration: .init(totalTimeout: .seconds(30), maxAttempts: 1))
    }

    func stop() async {
        app.cancel()
        _ = await app.result
        await controller.shutDown(grace: .seconds(30), cancelling: workers)
        await workers.value
    }
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[Int(Double(sorted.count - 1) * fraction)]
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
