import Crypto
import Foundation
import StewardTestSupport
import Testing

/// The HTTP server of a real `steward run`: its address in `steward status`, /metrics read by Prometheus's own
/// text parser (prometheus_client) with counters that move, and a signed push of the config repo that makes the
/// controller fetch at once (its poll interval is an hour).
@Suite(.serialized)
struct HTTPSurfaceIntegrationTests {
    /// `curl` with the status code on the last line.
    private func curl(_ arguments: [String]) async throws -> (status: Int, body: String) {
        let output = try await run(["curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"] + arguments)
        var lines = output.components(separatedBy: "\n")
        let status = Int(lines.removeLast()) ?? -1
        return (status, lines.joined(separator: "\n"))
    }

    /// The samples of each family, as prometheus_client's parser reads the exposition text.
    private func parsed(_ text: String) async throws -> [String: [(labels: [String: String], value: Double)]] {
        let input = try TemporaryDirectory(prefix: "metrics")
        let file = try input.write("metrics.txt", text)
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for sample in family.samples:
                    out.setdefault(sample.name, []).append({"labels": sample.labels, "value": sample.value})
            print(json.dumps(out))
            """
        let json: String
        do {
            json = try await run(["python3", "-c", script, file.path])
        } catch {
            Issue.record("prometheus_client could not parse /metrics (install it: python3 -m pip install prometheus_client): \(error)")
            throw error
        }
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: [[String: Any]]] ?? [:]
        return decoded.mapValues { samples in
            samples.map { ((($0["labels"] as? [String: String]) ?? [:]), ($0["value"] as? Double) ?? .nan) }
        }
    }

    /// The sum of the samples of `name` whose labels include `labels`; nil when there is none.
    private func value(_ samples: [String: [(labels: [String: String], value: Double)]], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = (samples[name] ?? []).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }

    @Test func metricsParseAndMoveAndASignedPushOfTheConfigRepoFetchesAtOnce() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
        try fixture.config.write("steward.yaml", settings + "\nwebhooks:\n  github: {secretEnv: TEST_WEBHOOK_SECRET}\n")
        try await fixture.config.commit("webhook secret by reference")
        let controller = try RunningController(
            fixture.configArguments, stateDirectory: fixture.state.url, interval: 3600,
            environment: ["TEST_WEBHOOK_SECRET": "s3cret"])
        defer { controller.kill9() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        try await controller.waitFor("hello deployed") { await httpGet(url) != nil }

        let base = "http://" + (try await controller.listenAddress(fixture.stateArguments))
        #expect(try await curl([base + "/healthz"]).status == 200)
        try await controller.waitFor("/readyz") { (try? await curl([base + "/readyz"]).status) == 200 }

        // The app answers before its deploy's run is recorded: wait for the project's phase.
        var firstText = ""
        try await controller.waitFor("hello active in /metrics", { firstText }) {
            firstText = (try? await curl([base + "/metrics"]).body) ?? ""
            return firstText.contains(#"steward_projects{phase="active"} 1"#)
        }
        let first = try await parsed(firstText)
        #expect(value(first, "steward_build_info", [:]) == 1)
        #expect(value(first, "steward_projects", ["phase": "active"]) == 1, "\(firstText)")
        #expect(value(first, "steward_servers", ["status": "ready"]) == 1)
        #expect(value(first, "steward_ansible_runs_total", ["playbook": "deploy_project.yml", "result": "succeeded"]) == 1, "\(firstText)")
        let projectReconciles = value(first, "steward_reconcile_total", ["kind": "project"]) ?? 0
        #expect(projectReconciles >= 1)
        #expect(first["steward_workqueue_adds_total"] != nil && first["steward_reconcile_duration_seconds_bucket"] != nil)

        // A commit the hour-long poll would not see until much later: the push delivery fetches it now.
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hola"))
        try await fixture.config.commit("greeting, announced by a webhook")
        let repository = URL(fileURLWithPath: fixture.config.bare).deletingLastPathComponent().lastPathComponent + "/remote"
        let body = #"{"ref":"refs/heads/main","repository":{"full_name":"\#(repository)","default_branch":"main"}}"#
        let signature = "sha256=" + HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data("s3cret".utf8)))
            .map { String(format: "%02x", $0) }.joined()
        let headers = ["-H", "X-GitHub-Event: push", "-H", "X-GitHub-Delivery: d-1", "-H", "X-Hub-Signature-256: \(signature)",
                       "-H", "Content-Type: application/json"]
        let unsigned = try await curl([
            "-X", "POST", "-H", "X-GitHub-Event: push", "-H", "Content-Type: application/json", "--data-binary", body, base + "/hooks/github",
        ])
        #expect(unsigned.status == 401)
        let delivered = try await curl(["-X", "POST"] + headers + ["--data-binary", body, base + "/hooks/github"])
        #expect(delivered.status == 202, "\(delivered.body)")
        try await controller.waitFor("the greeting deployed after the webhook") { await httpGet(url)?.contains("hola") == true }
        #expect(controller.text.contains("webhook push to the config repo: fetching it now"))

        // Counters move. A key's reconcile is counted when it ends, after its Ansible run is: wait for both.
        var secondText = ""
        var second: [String: [(labels: [String: String], value: Double)]] = [:]
        try await controller.waitFor("the second deploy's run and the end of its reconcile in /metrics", { secondText }) {
            secondText = (try? await curl([base + "/metrics"]).body) ?? ""
            guard secondText.contains(#"steward_ansible_runs_total{playbook="deploy_project.yml",result="succeeded"} 2"#),
                  let parsedText = try? await parsed(secondText) else { return false }
            second = parsedText
            return (value(second, "steward_reconcile_total", ["kind": "project"]) ?? 0) > projectReconciles
        }
        #expect(value(second, "steward_webhook_deliveries_total", ["event": "push", "result": "accepted"]) == 1)
        #expect(value(second, "steward_webhook_deliveries_total", ["event": "push", "result": "unauthorized"]) == 1)
        #expect(value(second, "steward_ansible_runs_total", ["playbook": "deploy_project.yml", "result": "succeeded"]) == 2)

        // The journal as Server-Sent Events: what was written, then new lines as they come (curl leaves after 2 s).
        let stream = try await run(["sh", "-c", "curl -sN --max-time 2 '\(base)/api/v1/journal?follow=true&since=0' || true"])
        #expect(stream.hasPrefix("id: ") && stream.contains("\ndata: {"), "\(stream.prefix(500))")
        #expect(stream.contains("webhook push to the config repo: fetching it now"))

        // A stream still open when the controller is stopped ends with it; it never holds the stop up.
        let follower = Process()
        follower.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        follower.arguments = ["curl", "-sN", "--max-time", "600", "\(base)/api/v1/journal?follow=true"]
        follower.standardOutput = FileHandle.nullDevice
        follower.standardError = FileHandle.nullDevice
        try follower.run()
        // SIGKILL: it inherits the test process's ignored SIGTERM.
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        try await Task.sleep(for: .milliseconds(500))
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("a graceful stop with a journal stream open") { !controller.process.isRunning }
        #expect(controller.process.terminationStatus == 0, "\(controller.text)")
        try await waitUntil("the stream to end with the controller") { !follower.isRunning }
    }

    /// schemathesis (PyPI) generates requests from `/api/v1/openapi.json` and checks every answer against it: no 5xx,
    /// documented status codes, content types, headers and schemas; bad input refused with a 4xx.
    @Test func theAPIAnswersAsItsOpenAPIDocumentSaysUnderSchemathesis() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        try await controller.waitFor("hello deployed") { await httpGet("http://127.0.0.1:\(fixture.port)/") != nil }
        let listen = try await controller.listenAddress(fixture.stateArguments)
        let output: String
        do {
            output = try await run([
                "python3", "-m", "schemathesis.cli", "run", "http://\(listen)/api/v1/openapi.json", "--checks", "all",
                "--max-examples", "25", "--request-timeout", "20", "--suppress-health-check", "all",
            ])
        } catch {
            let why = "schemathesis found answers that do not match docs/openapi.json (or is not installed: "
                + "python3 -m pip install schemathesis): \(error)"
            Issue.record(Comment(rawValue: why))
            return
        }
        #expect(!output.contains("FAILURES"), "\(output)")
        kill(controller.process.processIdentifier, SIGTERM)
        try await controller.waitFor("a graceful stop") { !controller.process.isRunning }
    }

    @Test func aNonLoopbackAddressWithoutATokenIsRefused() async throws {
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let refused = try StewardBinary.run(["run", "--max-passes", "1", "--listen", "0.0.0.0:0"] + fixture.configArguments)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("which other computers can reach, without a token"), "\(refused.stderr)")
    }
}
