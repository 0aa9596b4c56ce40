import Foundation
import StewardTestSupport
import Testing

/// `steward sync github --once` through the binary against the fake GitHub on loopback.
struct GitHubSyncIntegrationTests {
    @Test func syncsAnOrganizationLogsEveryRequestAndNeverTheToken() async throws {
        let server = try FakeGitHubServer()
        _ = server.addOrganization("acme")
        _ = try server.seed(org: "acme", count: 150)
        let config = try await GitFixture()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: github, owner: acme, apiURL: https://api.github.invalid, auth: {tokenEnv: ACME_TOKEN}}
            """)
        try await config.commit("github settings")
        let state = try TemporaryDirectory(prefix: "steward-state")
        let token = server.configuration.token
        let environment = ["STEWARD_GITHUB_API_URL": server.baseURL.absoluteString, "ACME_TOKEN": token]
        let arguments = ["sync", "github", "--once", "--config-repo", config.bare, "--state-dir", state.path, "--log-format", "json"]

        let first = try StewardBinary.run(arguments, environment: environment)
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("acme: 150 repos in 2 pages (0 unchanged); discovered 150"))
        let requestLines = first.stderr.split(separator: "\n").filter { $0.contains("\"action\":\"http_request\"") }
        #expect(requestLines.count == 2)
        #expect(requestLines.allSatisfy { $0.contains("\"status\":\"200\"") && $0.contains("\"remaining\"") })
        #expect(!first.stderr.contains(token) && !first.stdout.contains(token))

        let second = try StewardBinary.run(arguments, environment: environment)
        #expect(second.stdout.contains("acme: 150 repos in 2 pages (2 unchanged); discovered 0"))
        #expect(second.stderr.contains("\"from_cache\":\"true\""))
        #expect(server.notModifiedCount == 2)

        let listed = try StewardBinary.run(["get", "projects", "--state-dir", state.path])
        #expect(listed.stdout.split(separator: "\n").count == 151)
        #expect(listed.stdout.contains("discovered"))

        let noToken = try StewardBinary.run(arguments, environment: ["STEWARD_GITHUB_API_URL": server.baseURL.absoluteString])
        #expect(noToken.status == 2)
        #expect(noToken.stdout.contains("ACME_TOKEN is not set"))
    }
}

struct GitHubReconcileIntegrationTests {
    @Test func aManifestRepoMissingOnGitHubIsProvisioningPendingNotAnError() async throws {
        let server = try FakeGitHubServer()
        _ = server.addOrganization("acme")
        try server.addRepository(owner: "acme", name: "exists")
        let tokenFile = try TemporaryDirectory(prefix: "steward-token")
        let token = try tokenFile.write("token", server.configuration.token + "\n")
        let config = try await GitFixture()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: github, owner: acme, auth: {tokenFile: \(token.path)}}
            """)
        for name in ["exists", "later"] {
            try config.write("manifests/\(name).yaml", """
                apiVersion: steward/v1
                kind: Project
                metadata: {name: \(name)}
                spec: {repo: acme/\(name)}
                """)
        }
        try await config.commit("two projects")
        let state = try TemporaryDirectory(prefix: "steward-state")
        let result = try StewardBinary.run(
            ["reconcile", "--once", "--config-repo", config.bare, "--state-dir", state.path],
            environment: ["STEWARD_GITHUB_API_URL": server.baseURL.absoluteString])
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("pending: Project/later: provisioning"))
        // It exists but has no commits yet: the ref cannot be resolved, and the project waits.
        #expect(result.stderr.contains("acme/exists has no branch, tag or commit named 'main'"), "\(result.stderr)")
        let listed = try StewardBinary.run(["get", "projects", "-o", "json", "--state-dir", state.path])
        #expect(listed.stdout.contains("\"githubRepoID\" : \(server.repository(owner: "acme", name: "exists")!.id)"))
        #expect(!result.stderr.contains(server.configuration.token))
    }
}

struct GitHubAppIntegrationTests {
    @Test func syncsAsAGitHubAppWithAnInstallationToken() async throws {
        let server = try FakeGitHubServer()
        _ = server.addOrganization("acme")
        _ = try server.seed(org: "acme", count: 3)
        let keys = try TemporaryDirectory(prefix: "steward-app")
        let key = keys.url.appendingPathComponent("app.pem").path
        try await run(["openssl", "genrsa", "-out", key, "2048"])
        let config = try await GitFixture()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: github, owner: acme, auth: {appID: \(server.configuration.appID), privateKeyFile: \(key)}}
            """)
        try await config.commit("app auth")
        let state = try TemporaryDirectory(prefix: "steward-state")
        let result = try StewardBinary.run(
            ["sync", "github", "--once", "--config-repo", config.bare, "--state-dir", state.path],
            environment: ["STEWARD_GITHUB_API_URL": server.baseURL.absoluteString])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("acme: 3 repos in 1 pages"))
        #expect(server.requests(matching: { $0.path.hasSuffix("/access_tokens") }).count == 1)
        let pem = try String(contentsOfFile: key, encoding: .utf8)
        let body = pem.split(separator: "\n").dropFirst().first.map(String.init) ?? "unlikely"
        #expect(!result.stderr.contains(body) && !result.stdout.contains(body))
    }
}
