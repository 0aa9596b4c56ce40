import Foundation
import StewardTestSupport
import Testing

/// Notifications from a real `steward run`: its deploy's `deploy_succeeded` written while the receiver is down, the
/// controller killed with SIGKILL before it could send, then the receiver up and a new controller: delivered once.
@Suite(.serialized)
struct NotificationsIntegrationTests {
    /// A webhook receiver (python's http.server): appends each body to a file, answers 200.
    final class Receiver: @unchecked Sendable {
        let process: Process
        let file: URL

        init(port: Int, directory: TemporaryDirectory) throws {
            file = directory.url.appendingPathComponent("received.jsonl")
            let script = """
                import http.server, sys
                class H(http.server.BaseHTTPRequestHandler):
                    def do_POST(self):
                        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                        with open(sys.argv[2], "ab") as f:
                            f.write(self.headers.get("X-Steward-Delivery", "-").encode() + b" " + body + b"\\n")
                        self.send_response(200); self.end_headers()
                    def log_message(self, *args): pass
                http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
                """
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", "-c", script, "\(port)", file.path]
            // Never the test's own output: a receiver left behind would hold the pipe `swift test` waits on.
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
        }

        var lines: [String] {
            ((try? String(contentsOf: file, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        /// SIGKILL: children of the test process inherit its ignored SIGTERM (the CLI's signal handling ignores it).
        func stop() {
            guard process.isRunning else { return }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func aDeployAnnouncedWhileTheReceiverIsDownAndTheControllerKilledIsDeliveredOnceAfterTheRestart() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let port = try freePort()
        let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
        try fixture.config.write("steward.yaml", settings + """

            notifications:
              - {name: ops, provider: webhook, url: "http://127.0.0.1:\(port)/steward", events: [deploy_succeeded]}

            """)
        try await fixture.config.commit("tell ops of deploys")
        let first = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { first.kill9() }
        try await first.waitFor("hello deployed") { await httpGet("http://127.0.0.1:\(fixture.port)/") != nil }
        try await first.waitFor("the sender to fail to reach the receiver") {
            first.text.contains("notification to ops (webhook) failed")
        }
        first.kill9()
        first.process.waitUntilExit()

        let directory = try TemporaryDirectory(prefix: "receiver")
        let receiver = try Receiver(port: port, directory: directory)
        defer { receiver.stop() }
        let second = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { second.kill9() }
        try await second.waitFor("the deploy announced after the restart", { receiver.lines.joined(separator: "\n") }) {
            !receiver.lines.isEmpty
        }
        try await Task.sleep(for: .seconds(3))
        let lines = receiver.lines
        #expect(lines.count == 1, "delivered once: \(lines)")
        #expect(lines.first?.split(separator: " ").first?.hasSuffix("-ops") == true, "the key: outbox id and receiver: \(lines)")
        #expect(lines.first?.contains(#""event":"deploy_succeeded""#) == true && lines.first?.contains(#""project":"hello""#) == true)
        kill(second.process.processIdentifier, SIGTERM)
        try await second.waitFor("a graceful stop") { !second.process.isRunning }
    }
}
