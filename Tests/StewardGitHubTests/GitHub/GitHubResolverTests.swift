import Foundation
import StewardCore
import StewardGitHub
import StewardTestSupport
import Testing

/// Resolving a project's ref on GitHub: conditional REST requests against the fake GitHub (serving git).
struct GitHubResolverTests {
    @Test func resolvesBranchesTagsAndCommitsAndAnUnchangedRepoCostsOnly304s() async throws {
        let gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
        let harness = try GitHubHarness(configuration: .init(gitDirectory: gitRoot.url))
        let first = try await harness.server.pushCommit(owner: "acme", name: "app", files: ["a": "1"])
        var forge = try harness.forge()
        forge.cache = GitHubResponseCache()

        let resolved = try #require(try await forge.resolve(repo: "acme/app", ref: "main"))
        #expect(resolved == ResolvedRepo(cloneURL: harness.server.cloneURL(owner: "acme", name: "app"), commit: first))
        #expect(try await forge.resolve(repo: "acme/app", ref: String(first.prefix(10)))?.commit == first)

        harness.server.resetLog()
        #expect(try await forge.resolve(repo: "acme/app", ref: "main")?.commit == first)
        #expect(harness.server.requests.count == 2)
        #expect(harness.server.notModifiedCount == 2)
        #expect(harness.server.countedRequestCount == 0)

        let second = try await harness.server.pushCommit(owner: "acme", name: "app", files: ["a": "2"])
        #expect(try await forge.resolve(repo: "acme/app", ref: "main")?.commit == second)
    }

    @Test func aMissingRepoIsNilAnUnknownRefOrAnEmptyRepoIsAnError() async throws {
        let gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
        let harness = try GitHubHarness(configuration: .init(gitDirectory: gitRoot.url))
        let forge = try harness.forge()
        #expect(try await forge.resolve(repo: "acme/nothing", ref: "main") == nil)
        try harness.server.addRepository(owner: "acme", name: "empty", isPrivate: true)
        let empty = await #expect(throws: GitHubError.self) { try await forge.resolve(repo: "acme/empty", ref: "main") }
        #expect(empty?.description.contains("no branch, tag or commit named 'main'") == true)
        try await harness.server.pushCommit(owner: "acme", name: "app", files: ["a": "1"])
        await #expect(throws: GitHubError.self) { try await forge.resolve(repo: "acme/app", ref: "release/9") }
        await #expect(throws: GitHubError.self) { try await forge.resolve(repo: "acme", ref: "main") }
        harness.server.inject(.status(503, body: .json), times: 3)
        let down = await #expect(throws: (any Error).self) { try await forge.resolve(repo: "acme/app", ref: "main") }
        #expect("\(String(describing: down))".contains(harness.server.configuration.token) == false)
    }

    @Test func createsUnderTheTokensUserWhenTheOwnerIsNoOrganization() async throws {
        let gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
        let harness = try GitHubHarness(configuration: .init(gitDirectory: gitRoot.url, tokenUser: "octo"))
        _ = harness.server.addUser("octo")
        let forge = try harness.forge()
        let created = try await forge.createRepository(owner: "octo", name: "tool", isPrivate: true, description: nil)
        #expect(created.fullName == "octo/tool")
        #expect(created.cloneURL == harness.server.cloneURL(owner: "octo", name: "tool"))
        #expect(FileManager.default.fileExists(atPath: gitRoot.path + "/octo/tool.git/HEAD"))
        #expect(try await forge.createRepository(owner: "octo", name: "tool", isPrivate: true, description: nil).id == created.id)
        #expect(harness.server.requests(matching: { $0.method == "POST" }).count == 2)
        #expect(try await forge.gitToken() == harness.server.configuration.token)

        // Another user's name: refused before anything is created.
        _ = harness.server.addUser("someone-else")
        let refused = await #expect(throws: GitHubError.self) {
            try await forge.createRepository(owner: "someone-else", name: "tool", isPrivate: true, description: nil)
        }
        #expect(refused?.description.contains("nor the token's own user (octo)") == true, "\(String(describing: refused))")
        #expect(harness.server.repositories(owner: "octo").count == 1)
        #expect(harness.server.repositories(owner: "someone-else").isEmpty)
    }

    @Test func anAppResolvesWithItsInstallationTokenWhichIsAlsoTheGitToken() async throws {
        let gitRoot = try TemporaryDirectory(prefix: "fake-github-git")
        let harness = try GitHubHarness(configuration: .init(gitDirectory: gitRoot.url))
        let commit = try await harness.server.pushCommit(owner: "acme", name: "private-app", files: ["a": "1"])
        let forge = GitHubForge(client: try GitHubAppCredentialsTests.client(), apiURL: harness.server.baseURL,
            credentials: try GitHubAppCredentialsTests.credentials(harness.server))
        #expect(try await forge.resolve(repo: "acme/private-app", ref: "main")?.commit == commit)
        let token = try await forge.gitToken()
        #expect(token != harness.server.configuration.token && !token.hasPrefix("Bearer"))
        #expect(harness.server.validInstallationTokenCount == 1)

        // The fake's git side wants a token too: none is a 401, the installation token works.
        let url = harness.server.cloneURL(owner: "acme", name: "private-app")
        await #expect(throws: ShellError.self) { try await run(["git", "ls-remote", url], environment: ["GIT_TERMINAL_PROMPT": "0"]) }
        let header = ["GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": "Authorization: Bearer \(token)"]
        #expect(try await run(["git", "ls-remote", url, "refs/heads/main"], environment: header).hasPrefix(commit))
    }
}
