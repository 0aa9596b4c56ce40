import Foundation
import StewardTestSupport
import Testing

/// `steward ask` through the built binary: the PO's commits go through GitOps like a person's.
struct AskIntegrationTests {
    /// The quickstart with hello suspended (registered and synced, never deployed: no Ansible run needed).
    func fixture() async throws -> QuickstartFixture {
        let fixture = try await QuickstartFixture()
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest + "  suspend: true\n")
        try await fixture.config.commit("suspend hello")
        return fixture
    }

    func ask(_ message: String, _ fixture: QuickstartFixture, _ extra: [String] = []) throws -> StewardBinary.Result {
        try StewardBinary.run(["ask", message] + fixture.configArguments + extra)
    }

    func bareGit(_ fixture: QuickstartFixture, _ arguments: String...) async throws -> String {
        try await run(["git", "--git-dir", fixture.config.bare] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aNewProjectGoesThroughGitOpsAndStatusComesFromTheStore() async throws {
        let fixture = try await fixture()
        let before = try await bareGit(fixture, "rev-parse", "main")

        let asked = try ask("new project: a url shortener", fixture)
        #expect(asked.status == 0, "\(asked.stdout)\n\(asked.stderr)")
        let commit = try await bareGit(fixture, "rev-parse", "main")
        #expect(commit != before)
        #expect(asked.stdout.contains("New project url-shortener (repo quickstart/url-shortener)"))
        #expect(asked.stdout.contains("commit: \(commit)"))
        await #expect(try bareGit(fixture, "rev-parse", "main^") == before)
        await #expect(try bareGit(fixture, "log", "-1", "--format=%s", "main") == "Add project url-shortener: a url shortener")
        await #expect(try bareGit(fixture, "show", "main:manifests/url-shortener.yaml").contains("  repo: quickstart/url-shortener\n"))

        let validated = try StewardBinary.run(["validate"] + fixture.configArguments)
        #expect(validated.status == 0, "\(validated.stdout)\n\(validated.stderr)")

        // Registered; its brief goes to the engineering agents: the Architect creates the repo on the local
        // forge and scaffolds it, the Tester passes it: verified, deployed by the next pass (exit 2: not converged).
        let reconciled = try fixture.reconcile()
        #expect(reconciled.status == 2, "\(reconciled.stdout)\n\(reconciled.stderr)")
        #expect(reconciled.stdout.contains("pending: Project/url-shortener: verified"))
        #expect(FileManager.default.fileExists(atPath: fixture.state.path + "/forge/quickstart/url-shortener.git"))
        let listed = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        let projects = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        let project = try #require(projects.first { $0["name"] as? String == "url-shortener" })
        #expect(project["phase"] as? String == "verified")
        #expect(project["manifestPath"] as? String == "manifests/url-shortener.yaml")

        let status = try ask("status of url-shortener", fixture)
        #expect(status.status == 0)
        #expect(status.stdout.contains("url-shortener: verified, repo quickstart/url-shortener"), "\(status.stdout)")

        // The next pass deploys it on the port Zavhoz allocated: active, its app answering /health.
        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        let after = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        let records = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [[String: Any]] ?? []
        let running = try #require(records.first { $0["name"] as? String == "url-shortener" })
        #expect(running["phase"] as? String == "active")
        let port = try #require(running["port"] as? Int)
        await #expect(httpGet("http://127.0.0.1:\(port)/health")?.contains("ok") == true)
        let described = try StewardBinary.run(["describe", "project", "url-shortener"] + fixture.stateArguments)
        #expect(described.stdout.contains("PortsAllocated"), "\(described.stdout)")

        // An update is a second commit that keeps the first one's text.
        let update = try ask("url-shortener: add a /stats endpoint", fixture, ["-o", "json"])
        #expect(update.status == 0, "\(update.stdout)\n\(update.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(update.stdout.utf8)) as? [String: Any])
        #expect(answer["changeID"] as? String == "add-a-stats-endpoint")
        await #expect(answer["commit"] as? String == (try bareGit(fixture, "rev-parse", "main")))
        #expect((answer["intent"] as? [String: Any])?["kind"] as? String == "update")
        let manifest = try await bareGit(fixture, "show", "main:manifests/url-shortener.yaml")
        #expect(manifest.hasPrefix("# Created by `steward ask`"))
        #expect(manifest.contains("  changes:\n    - id: add-a-stats-endpoint\n      description: \"add a /stats endpoint\""))
        #expect(try StewardBinary.run(["validate"] + fixture.configArguments).status == 0)

        let unknown = try ask("lorem ipsum", fixture)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("could not tell what \"lorem ipsum\" asks for"))
    }

    @Test func incidentsAreShownOnce() async throws {
        let fixture = try await fixture()
        #expect(try fixture.reconcile().status == 0)
        // hello's repo disappears from the forge: the forge sync opens a repo_missing incident.
        try FileManager.default.removeItem(at: fixture.state.url.appendingPathComponent("forge/quickstart/hello.git"))
        let sync = try StewardBinary.run(["sync", "forge", "--once"] + fixture.configArguments)
        #expect(sync.stdout.contains("missing 1"), "\(sync.stdout)\n\(sync.stderr)")

        let first = try ask("status", fixture)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.hasPrefix("New incidents since you last asked:\n"))
        #expect(first.stdout.contains("critical repo_missing on Project hello (detected"))
        let second = try ask("how is hello doing", fixture)
        #expect(second.status == 0)
        #expect(!second.stdout.contains("New incidents"))
        #expect(second.stdout.contains("hello: missing"))
        #expect(second.stdout.contains("#1 repo_missing (detected)"))

        // Fix starts the Recovery agent: the repo is re-created, but it is a person's and Steward kept no copy (no
        // mirror or bundle on the local forge's local server), so it stays empty, never filled with a template,
        // and the answer says what to do.
        let fix = try ask("fix hello", fixture)
        #expect(fix.status == 0, "\(fix.stdout)\n\(fix.stderr)")
        #expect(fix.stdout.contains("Recovery of hello did not resolve everything:"), "\(fix.stdout)")
        #expect(fix.stdout.contains("Steward does not fill it with a template. Push your copy to main"), "\(fix.stdout)")
        #expect(FileManager.default.fileExists(atPath: fixture.state.url.appendingPathComponent("forge/quickstart/hello.git/HEAD").path))
    }

    @Test func theOpenAIBackendIsUsedWithTheKeyFromTheEnvironmentOnly() async throws {
        let key = "sk-it-\(UUID().uuidString)"
        let server = try FakeChatServer { request in
            let message = ((request.json?["messages"] as? [[String: Any]])?.last?["content"] as? String) ?? ""
            return message.contains("shortener")
                ? .completion(content: #"{"intent": "new", "project": "shortener", "brief": "a url shortener", "change": null}"#)
                : .completion(content: "Sure! Here is what I think.")
        }
        defer { server.stop() }
        let config = try await GitFixture()
        try config.write("steward.yaml", """
            kind: Settings
            forge: {provider: local, owner: acme}
            agents:
              backend: openai
              endpoint: \(server.baseURL.absoluteString)
              model: test-model
              apiKeyEnv: PO_IT_KEY

            """)
        try await config.commit("openai settings")
        let state = try TemporaryDirectory(prefix: "steward-state")
        let arguments = ["--config-repo", config.fileURL, "--state-dir", state.path]

        let asked = try StewardBinary.run(["ask", "new project: a url shortener"] + arguments, environment: ["PO_IT_KEY": key])
        #expect(asked.status == 0, "\(asked.stdout)\n\(asked.stderr)")
        #expect(asked.stdout.contains("New project shortener (repo acme/shortener)"))
        #expect(try await run(["git", "--git-dir", config.bare, "show", "main:manifests/shortener.yaml"]).contains("brief: \"a url shortener\""))
        #expect(server.requests.first?.headers["authorization"] == "Bearer \(key)")

        let malformed = try StewardBinary.run(["ask", "status", "-v"] + arguments, environment: ["PO_IT_KEY": key])
        #expect(malformed.status == 1)
        #expect(malformed.stderr.contains("gave an answer Steward cannot use: the message content is not a JSON object"))

        let noKey = try StewardBinary.run(["ask", "status"] + arguments, environment: ["PO_IT_KEY": ""])
        #expect(noKey.status == 1)
        #expect(noKey.stderr.contains("$PO_IT_KEY is empty"))
        for output in [asked, malformed, noKey] {
            #expect(!output.stdout.contains(key) && !output.stderr.contains(key))
        }
    }
}
