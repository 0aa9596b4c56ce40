import Foundation
import StewardTestSupport
import Testing

/// A fake OpenAI-compatible chat endpoint on 127.0.0.1 (python3's http.server): it asks a question first,
/// then answers with a unified diff built from the person's answer.
final class FakeChatEndpoint: @unchecked Sendable {
    let directory: TemporaryDirectory
    let process = Process()
    let port: Int

    init(key: String) throws {
        directory = try TemporaryDirectory(prefix: "fake-chat")
        let script = try directory.write("server.py", #"""
            import json, sys
            from http.server import BaseHTTPRequestHandler, HTTPServer

            KEY, LOG, PORT_FILE = sys.argv[1], sys.argv[2], sys.argv[3]

            class Handler(BaseHTTPRequestHandler):
                def do_POST(self):
                    body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                    with open(LOG, "a") as log:
                        log.write(json.dumps({"path": self.path, "model": body["model"]}) + "\n")
                    if self.path != "/v1/chat/completions" or self.headers.get("Authorization") != "Bearer " + KEY:
                        return self.reply(401, {"error": {"message": "bad key or path"}})
                    prompt = body["messages"][-1]["content"]
                    marker = "A person's answer to your question 1: "
                    if marker not in prompt:
                        content = "NEEDS_INPUT: what is on the menu?"
                    else:
                        menu = prompt.split(marker, 1)[1].split("\n", 1)[0]
                        content = "Here it is:\n```diff\n" + "\n".join([
                            "diff --git a/routes.json b/routes.json",
                            "--- a/routes.json",
                            "+++ b/routes.json",
                            "@@ -1,3 +1,4 @@",
                            " {",
                            '-  "/": "shop"',
                            '+  "/": "shop",',
                            '+  "/menu": "' + menu + '"',
                            " }",
                        ]) + "\n```\n"
                    self.reply(200, {"choices": [{"message": {"role": "assistant", "content": content}}]})

                def reply(self, status, payload):
                    data = json.dumps(payload).encode()
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

                def log_message(self, *args):
                    pass

            server = HTTPServer(("127.0.0.1", 0), Handler)
            with open(PORT_FILE, "w") as f:
                f.write(str(server.server_address[1]))
            server.serve_forever()
            """#)
        let portFile = directory.path + "/port"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, key, directory.path + "/requests.log", portFile]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(Patience.seconds())
        var port = 0
        while port == 0, Date() < deadline {
            port = Int((try? String(contentsOfFile: portFile, encoding: .utf8)) ?? "") ?? 0
            if port == 0 { usleep(20_000) }
        }
        self.port = port
    }

    var requests: [String] {
        ((try? String(contentsOfFile: directory.path + "/requests.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit {
        // Children of the test process inherit its blocked signals: SIGTERM would wait forever.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

@Suite(.serialized)
struct OpenAIBackendIntegrationTests {
    @Test func theModelAsksAPersonThenItsDiffIsAppliedTestedAndDeployed() async throws {
        try await StewardBinary.requireAnsible()
        let key = "sk-test-\(UUID().uuidString.prefix(8))"
        let endpoint = try FakeChatEndpoint(key: key)
        #expect(endpoint.port > 0, "the fake chat endpoint did not start (python3 is required)")
        let fixture = try await EngineeringFixture(
            changes: "  changes:\n    - {id: menu, description: \"put the menu online\"}",
            agents: "agents: {backend: openai, endpoint: \"http://127.0.0.1:\(endpoint.port)/v1\", model: fake-model, apiKeyEnv: STEWARD_TEST_OPENAI_KEY}")
        defer { fixture.stopApps() }
        let environment = ["STEWARD_TEST_OPENAI_KEY": key]

        let asked = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments, environment: environment)
        #expect(asked.status == 2, "\(asked.stdout)\n\(asked.stderr)")
        #expect(asked.stdout.contains("what is on the menu?"))
        let answered = try StewardBinary.run(["answer", "shop", "coffee and cake"] + fixture.configArguments, environment: environment)
        #expect(answered.status == 2, "\(answered.stdout)\n\(answered.stderr)")
        #expect(answered.stdout.contains("pending: Project/shop: verified"))
        let deployed = try StewardBinary.run(["reconcile", "--once"] + fixture.configArguments, environment: environment)
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/menu")?.contains("coffee and cake") == true)
        #expect(endpoint.requests.allSatisfy { $0.contains("\"model\": \"fake-model\"") })
        #expect(endpoint.requests.count >= 2)
        for output in [asked, answered, deployed] { #expect(!output.stderr.contains(key) && !output.stdout.contains(key)) }

        // Without the key the backend says which variable to set, and never guesses.
        let other = try await EngineeringFixture(agents: "agents: {backend: openai, endpoint: \"http://127.0.0.1:\(endpoint.port)/v1\", model: fake-model, apiKeyEnv: STEWARD_TEST_NO_SUCH_KEY}")
        let failed = try StewardBinary.run(["reconcile", "--once"] + other.configArguments)
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("$STEWARD_TEST_NO_SUCH_KEY (agents.apiKeyEnv) is not set"))
    }
}
