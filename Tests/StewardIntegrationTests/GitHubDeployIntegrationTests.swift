import Foundation
import StewardTestSupport
import Testing

/// A forge on the fake GitHub (REST and git smart HTTP on loopback, token required) with a local server:
/// the built binary resolves refs over REST, mirrors the repos under the state dir with libgit2 and deploys
/// bundles of them; the Architect creates repos there and pushes.
final class GitHubForgeFixture: @unchecked Sendable {
    let server: FakeGitHubServer
    let gitRoot: TemporaryDirectory
    let config: GitFixture
    let state: TemporaryDirectory
    let port: Int
    var token: String { server.configuration.token }

    /// - Parameter auth: `forge.auth` in flow style; a token in `$ACME_TOKEN` by default.
    init(agents: String = "agents: {backend: builtin}", auth: String = "{tokenEnv: ACME_TOKEN}") async throws {
        gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
        server = try FakeGitHubServer(configuration: .init(gitDirectory: gitRoot.url))
        _ = server.addOrganization("acme")
        config = try await GitFixture()
        state = try TemporaryDirectory(prefix: "steward-state")
        port = try freePort()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: github, owner: acme, apiURL: "\(server.baseURL.absoluteString)", auth: \(auth)}
            \(agents)
            """)
        try config.write("manifests/local.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 512, ports: "\(port)-\(port)"}}
            """)
    }

    var stateArguments: [String] { ["--state-dir", state.path] }

    /// `steward reconcile --once` with the token in the environment only; checks it never shows.
    func reconcile() throws -> StewardBinary.Result {
        let result = try StewardBinary.run(["reconcile", "--once", "--config-repo", config.bare] + stateArguments,
            environment: ["ACME_TOKEN": token])
        #expect(!result.stdout.contains(token) && !result.stderr.contains(token))
        return result
    }

    func describe(_ project: String) throws -> String {
        try StewardBinary.run(["describe", "project", project] + stateArguments).stdout
    }

    /// Files under the state dir (database, run records, mirrors, bundles, ansible run dirs) holding the token.
    func filesHoldingTheToken() async throws -> [String] {
        let output = (try? await run(["grep", "-rlaF", token, state.path])) ?? ""
        return output.split(separator: "\n").map(String.init)
    }

    /// The quickstart app's files (`names` of examples/quickstart/app), to push to the fake GitHub.
    static func quickstartApp(_ names: [String] = ["app.py", "Procfile", "README.md"]) throws -> [String: String] {
        let directory = StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/app")
        var files: [String: String] = [:]
        for name in names { files[name] = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
        return files
    }

    /// Writes the quickstart's hello manifest pointing at acme/hello on the fake GitHub (not committed).
    func writeHelloManifest() throws {
        let manifest = try String(
            contentsOf: StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/config/manifests/hello.yaml"), encoding: .utf8)
        try config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "repo: quickstart/hello", with: "repo: acme/hello"))
    }

    func stopApps() {
        let apps = state.url.appendingPathComponent("apps")
        for project in (try? FileManager.default.contentsOfDirectory(atPath: apps.path)) ?? [] {
            killSupervisedApp(pidFile: apps.appendingPathComponent(project).appendingPathComponent("supervisor.pid").path)
        }
    }

    deinit { stopApps() }
}

@Suite(.serialized)
struct GitHubDeployIntegrationTests {
    @Test func deploysARepoOnGitHubRedeploysANewCommitAndAnUnchangedPassFetchesNothing() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await GitHubForgeFixture()
        defer { fixture.stopApps() }
        let files = try GitHubForgeFixture.quickstartApp()
        try await fixture.server.pushCommit(owner: "acme", name: "hello", files: files, message: "hello app")
        try fixture.writeHelloManifest()
        try await fixture.config.commit("hello from GitHub")

        let first = try fixture.reconcile()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("1 ansible-playbook runs"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        #expect(fixture.server.gitFetchCount == 1)
        #expect(FileManager.default.fileExists(atPath: fixture.state.path + "/mirrors/acme/hello.git/HEAD"))
        #expect(try fixture.describe("hello").contains("Phase:         active"))

        // Unchanged: REST says so, and git is not asked at all.
        fixture.server.resetLog()
        let second = try fixture.reconcile()
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("0 actions, 0 ansible-playbook runs"))
        #expect(fixture.server.gitRequests.isEmpty)

        // A new commit pushed to GitHub deploys.
        let app = files["app.py"]!
        let v2 = try await fixture.server.pushCommit(owner: "acme", name: "hello",
            files: ["app.py": app.replacingOccurrences(of: "VERSION = \"1\"", with: "VERSION = \"2\"")], message: "version 2")
        let third = try fixture.reconcile()
        #expect(third.status == 0, "\(third.stdout)\n\(third.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"2\"") == true)

        // Git is down while the API works: a clear error, the project stays as it was, no incident; the next
        // pass deploys.
        try await fixture.server.pushCommit(owner: "acme", name: "hello",
            files: ["app.py": app.replacingOccurrences(of: "VERSION = \"1\"", with: "VERSION = \"3\"")], message: "version 3")
        fixture.server.injectGitFault(times: 100)
        let failed = try fixture.reconcile()
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("update the mirror \(fixture.state.path)/mirrors/acme/hello.git") && failed.stderr.contains("503"),
            "\(failed.stderr)")
        let describe = try fixture.describe("hello")
        #expect(describe.contains("Phase:         active"), "\(describe)")
        #expect(!describe.contains("Phase:         deploying"))
        let incidents = try StewardBinary.run(["get", "incidents"] + fixture.stateArguments)
        #expect(!incidents.stdout.contains("hello"), "\(incidents.stdout)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"2\"") == true)
        let projects = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        #expect(projects.stdout.contains(v2))
        fixture.server.injectGitFault(times: 0)
        let recovered = try fixture.reconcile()
        #expect(recovered.status == 0, "\(recovered.stdout)\n\(recovered.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"3\"") == true)

        let leaks = try await fixture.filesHoldingTheToken()
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test func theArchitectCreatesTheRepoOnGitHubOnceScaffoldsPushesAndItDeploys() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await GitHubForgeFixture()
        defer { fixture.stopApps() }
        try fixture.config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec:
              repo: acme/shop
              brief: "A tiny shop front."
              stage: active
              changes:
                - {id: about, description: "add endpoint /about returning a tiny shop"}
            """)
        try await fixture.config.commit("a project with a brief and no repo")

        let first = try fixture.reconcile()
        #expect(first.status == 2, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("pending: Project/shop: verified"))
        let repo = try #require(fixture.server.repository(owner: "acme", name: "shop"))
        #expect(repo.isPrivate)
        #expect(fixture.server.requests(matching: { $0.method == "POST" && $0.path == "/orgs/acme/repos" }).count == 1)
        let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "shop")).path
        let tree = try await run(["git", "--git-dir", bare, "ls-tree", "-r", "--name-only", "main"])
        #expect(tree.contains("docs/DESIGN.md") && tree.contains("routes.json"), "\(tree)")
        #expect(fixture.server.gitPushCount >= 2)

        let second = try fixture.reconcile()
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/about")?.contains("a tiny shop") == true)

        fixture.server.resetLog()
        let third = try fixture.reconcile()
        #expect(third.status == 0)
        #expect(third.stdout.contains("0 actions, 0 ansible-playbook runs"))
        #expect(fixture.server.gitRequests.isEmpty)
        #expect(fixture.server.requests(matching: { $0.method == "POST" }).isEmpty)
        let describe = try fixture.describe("shop")
        #expect(describe.contains("Phase:         active"))
        #expect(describe.components(separatedBy: "\n").filter { $0.contains("RepoCreated") }.count == 1)
        #expect(describe.components(separatedBy: "\n").filter { $0.contains("TestsPassed") }.count == 1)
        let leaks = try await fixture.filesHoldingTheToken()
        #expect(leaks.isEmpty, "\(leaks)")
    }

    @Test func aControllerKilledMidGraphNeverCreatesTheGitHubRepoTwice() async throws {
        let marker = try TemporaryDirectory(prefix: "developer")
        // The first run of the developer program says it started and hangs; later runs do nothing and succeed.
        let script = try marker.write("developer.sh", """
            if [ ! -e \(marker.path)/started ]; then echo $$ > \(marker.path)/started; sleep 120; fi
            exit 0
            """)
        let fixture = try await GitHubForgeFixture(agents: "agents: {backend: command, command: \"sh \(script.path)\"}")
        defer { fixture.stopApps() }
        try fixture.config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec: {repo: acme/shop, brief: "A tiny shop front.", stage: active}
            """)
        try await fixture.config.commit("a project with a brief and no repo")
        let process = try StewardBinary.start(["reconcile", "--once", "--config-repo", fixture.config.bare] + fixture.stateArguments,
            environment: ["ACME_TOKEN": fixture.token])
        try await waitUntil("the developer program to start") { FileManager.default.fileExists(atPath: marker.path + "/started") }
        // kill -9 in the Developer's step: the repo exists on GitHub with the scaffold pushed.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        if let text = try? String(contentsOfFile: marker.path + "/started", encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
        let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "shop")).path
        func commits() async throws -> String { try await run(["git", "--git-dir", bare, "rev-list", "--count", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) }
        await #expect(try commits() == "1")

        let rerun = try fixture.reconcile()
        #expect(rerun.status == 2, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(rerun.stdout.contains("pending: Project/shop: verified"))
        #expect(fixture.server.requests(matching: { $0.method == "POST" && $0.path.hasSuffix("/repos") }).count == 1)
        await #expect(try commits() == "1")
        let describe = try fixture.describe("shop")
        #expect(describe.components(separatedBy: "\n").filter { $0.contains("RepoCreated") }.count == 1)
        #expect(!describe.contains("RepoFound"))
    }

    @Test func aGitHubAppDeploysWithItsInstallationToken() async throws {
        try await StewardBinary.requireAnsible()
        let keys = try TemporaryDirectory(prefix: "steward-app")
        let key = keys.url.appendingPathComponent("app.pem").path
        try await run(["openssl", "genrsa", "-out", key, "2048"])
        let fixture = try await GitHubForgeFixture(auth: "{appID: 4242, privateKeyFile: \(key)}")
        defer { fixture.stopApps() }
        let files = try GitHubForgeFixture.quickstartApp(["app.py", "Procfile"])
        try await fixture.server.pushCommit(owner: "acme", name: "hello", files: files, message: "hello app")
        try fixture.writeHelloManifest()
        try await fixture.config.commit("hello from GitHub, as an App")

        let result = try StewardBinary.run(["reconcile", "--once", "--config-repo", fixture.config.bare] + fixture.stateArguments)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        #expect(fixture.server.gitFetchCount == 1)
        // git authenticated with an installation token (Basic x-access-token): no other token is configured.
        // (The forge sync and the resolver each hold their own App credentials, so two tokens are issued.)
        #expect(fixture.server.validInstallationTokenCount >= 1)
        #expect(fixture.server.gitRequests.contains { $0.authorizationScheme == "Basic" && $0.status == 200 })
    }
}
