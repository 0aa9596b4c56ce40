import Foundation
import Logging
import StewardCore
import StewardGitHub
import StewardHTTP
import StewardModel
import StewardStore
import StewardTestSupport
import Testing

/// The GitHub forge and the github_sync driven through the real libcurl client against the fake GitHub.
final class GitHubHarness: @unchecked Sendable {
    let server: FakeGitHubServer
    let state: TemporaryDirectory
    let sleeps = SleepLog()

    init(configuration: FakeGitHubServer.Configuration = .init()) throws {
        server = try FakeGitHubServer(configuration: configuration)
        state = try TemporaryDirectory(prefix: "steward-github")
        _ = server.addOrganization("acme")
    }

    /// Records the client's backoff sleeps instead of sleeping.
    final class SleepLog: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Duration] = []
        var all: [Duration] { lock.withLock { stored } }
        func add(_ duration: Duration) { lock.withLock { stored.append(duration) } }
    }

    func forge(token: String? = nil) throws -> GitHubForge {
        let sleeps = self.sleeps
        let client = try HTTPClient(configuration: .init(
            totalTimeout: .seconds(5), maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5),
            sleep: { sleeps.add($0) }))
        let value = token ?? server.configuration.token
        return GitHubForge(client: client, apiURL: server.baseURL,
                           credentials: GitHubTokenCredentials(source: .environment("T"), environment: { _ in value }))
    }

    func sync(_ forge: GitHubForge? = nil) async throws -> ForgeSyncReport {
        // A new store each time, as a restarted controller would open it.
        try await ForgeSync(forge: forge ?? self.forge(), store: try SQLStateStore(stateDirectory: state.url), alertThreshold: 3,
                            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }).sync(owner: "acme")
    }

    func store() throws -> SQLStateStore { try SQLStateStore(stateDirectory: state.url) }
}

struct GitHubForgeTests {
    @Test func listsEveryPageThenRevalidatesWithETagsForFree() async throws {
        let harness = try GitHubHarness()
        _ = try harness.server.seed(org: "acme", count: 250)
        let forge = try harness.forge()
        let first = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(first.count == 3)
        #expect(first.flatMap(\.repositories).count == 250)
        let allTagged = first.allSatisfy { $0.etag != nil }
        #expect(allTagged)
        let quota = harness.server.rateLimit.remaining
        harness.server.resetLog()
        let second = try await forge.listRepositories(owner: "acme", cached: first)
        let allNotModified = second.allSatisfy { $0.notModified }
        #expect(allNotModified)
        #expect(second.flatMap(\.repositories) == first.flatMap(\.repositories))
        #expect(harness.server.notModifiedCount == 3)
        #expect(harness.server.rateLimit.remaining == quota)
        let requests = harness.server.requests
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { request in request.hadAuthorization && request.ifNoneMatch != nil })
    }

    @Test func aUserAccountIsListedWhenTheOwnerIsNoOrganization() async throws {
        let harness = try GitHubHarness()
        _ = harness.server.addUser("octo")
        try harness.server.addRepository(owner: "octo", name: "dotfiles")
        let pages = try await harness.forge().listRepositories(owner: "octo", cached: [])
        #expect(pages.flatMap(\.repositories).map(\.fullName) == ["octo/dotfiles"])
    }

    @Test func lookupByIdAndIdempotentCreation() async throws {
        let harness = try GitHubHarness()
        let repo = try harness.server.addRepository(owner: "acme", name: "api", isArchived: true)
        let forge = try harness.forge()
        guard case .found(let found) = try await forge.repository(id: repo.id) else { Issue.record("not found"); return }
        #expect(found.fullName == "acme/api")
        #expect(found.archived)
        #expect(try await forge.repository(id: 999_999) == .notFound)

        let created = try await forge.createRepository(owner: "acme", name: "bot", isPrivate: true, description: "a bot")
        let again = try await forge.createRepository(owner: "acme", name: "bot", isPrivate: true, description: "a bot")
        #expect(created.id == again.id)
        #expect(harness.server.requests(matching: { $0.method == "POST" }).count == 1)
        #expect(harness.server.repositories(owner: "acme").count == 2)
    }

    /// An agent's change to a repo Steward did not create is a pull request, opened once: a retry (after a
    /// crash, or a 422 because one is open) returns the open one.
    @Test func aProposalIsOnePullRequestHoweverOftenItIsMade() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "shop")
        let forge = try harness.forge()
        let repository = ForgeRepository(id: 1, owner: "acme", name: "shop", cloneURL: "x")
        let first = try await forge.proposeChange(repository, branch: "steward/1-shop", base: "main", title: "Design", body: "b")
        let again = try await forge.proposeChange(repository, branch: "steward/1-shop", base: "main", title: "Design", body: "b")
        #expect(first.number == 1 && again.number == 1)
        #expect(first.url?.hasSuffix("/acme/shop/pull/1") == true)
        #expect(first.summary.contains("pull request") && first.summary.contains("steward/1-shop"))
        #expect(harness.server.pullRequests.count == 1)
        #expect(harness.server.pullRequests.first?.base == "main")
        // A repo that is gone is an error that names the request, never a proposal.
        await #expect(throws: GitHubError.self) {
            try await forge.proposeChange(
                ForgeRepository(id: 2, owner: "acme", name: "gone", cloneURL: "x"), branch: "b", base: "main", title: "t", body: "")
        }
    }

    @Test func badResponsesNameTheURLAndTheField() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "api")
        let forge = try harness.forge()
        harness.server.inject(.wrongFieldType("id"), pathPrefix: "/orgs/")
        let wrongType = await #expect(throws: GitHubError.self) { try await forge.listRepositories(owner: "acme", cached: []) }
        #expect(wrongType?.description.contains("/orgs/acme/repos") == true)
        #expect(wrongType?.description.contains("item 0, field \"id\"") == true)
        harness.server.inject(.missingFields(["clone_url"]), pathPrefix: "/orgs/")
        let missing = await #expect(throws: GitHubError.self) { try await forge.listRepositories(owner: "acme", cached: []) }
        #expect(missing?.description.contains("field \"clone_url\" is missing") == true)
        harness.server.inject(.status(200, body: .html), pathPrefix: "/orgs/")
        let html = await #expect(throws: GitHubError.self) { try await forge.listRepositories(owner: "acme", cached: []) }
        #expect(html?.description.contains("HTML page") == true)
        harness.server.inject(.malformedJSON, pathPrefix: "/orgs/")
        await #expect(throws: GitHubError.self) { try await forge.listRepositories(owner: "acme", cached: []) }
        harness.server.inject(.truncatedBody, times: 3, pathPrefix: "/orgs/")
        await #expect(throws: (any Error).self) { try await forge.listRepositories(owner: "acme", cached: []) }
    }

    @Test func wrongTokenIsAClearErrorWithoutTheToken() async throws {
        let harness = try GitHubHarness()
        let error = await #expect(throws: GitHubError.self) {
            try await harness.forge(token: "ghp_wrongwrongwrong").listRepositories(owner: "acme", cached: [])
        }
        #expect(error?.status == 401)
        #expect(error?.description.contains("Bad credentials") == true)
        #expect(error?.description.contains("ghp_wrongwrongwrong") == false)
    }
}

struct GitHubSyncTests {
    @Test func everyTransitionAgainstTheFakeWithAStoreThatRestarts() async throws {
        let harness = try GitHubHarness()
        let api = try harness.server.addRepository(owner: "acme", name: "api")
        let web = try harness.server.addRepository(owner: "acme", name: "web")
        try await harness.store().save(project: ProjectRecord(
            name: "site", repo: "acme/web", manifestPath: "manifests/site.yaml", phase: .active, updatedAt: Date()), events: [])

        let first = try await harness.sync()
        #expect(first.discovered == ["api"])
        #expect(first.linked == ["site"])
        #expect(try await harness.store().project(named: "site")?.githubRepoID == web.id)

        _ = try harness.server.renameRepository(id: web.id, to: "website")
        _ = try harness.server.archiveRepository(id: api.id)
        let second = try await harness.sync()
        #expect(second.renamed == ["site"])
        #expect(second.archived == ["api"])
        #expect(try await harness.store().project(named: "site")?.repo == "acme/website")

        // Gone from the listing and the lookup fails transiently: counted, no phase change, alert at 3.
        _ = harness.server.removeRepository(id: web.id)
        harness.server.inject(.status(502), times: 100, pathPrefix: "/repositories/")
        for expected in 1...3 {
            let report = try await harness.sync()
            #expect(report.uncertain == ["site"])
            #expect(try await harness.store().project(named: "site")?.failCount == expected)
        }
        #expect(try await harness.store().project(named: "site")?.phase == .active)
        let alerts = try await harness.store().events(objectKind: "Project", objectName: "site", limit: 50)
            .filter { $0.reason == "RepoCheckFailing" }
        #expect(alerts.count == 1)

        // The lookup answers 404: missing, with a critical incident.
        harness.server.clearFaults()
        let gone = try await harness.sync()
        #expect(gone.missing == ["site"])
        #expect(try await harness.store().project(named: "site")?.phase == .missing)
        #expect(try await harness.store().incidents(openOnly: true).map(\.kind) == [.repoMissing])

        // It comes back (same id): the project returns to where it was and the incident is resolved.
        var restored = FakeGitHubRepository(id: web.id, owner: "acme", name: "website", createdAt: Date())
        restored.defaultBranch = "main"
        _ = try harness.server.add(restored)
        let back = try await harness.sync()
        #expect(back.reappeared == ["site"])
        #expect(try await harness.store().project(named: "site")?.phase == .active)
        #expect(try await harness.store().incidents(openOnly: true).isEmpty)
    }

    @Test func listingOutagesAreTransientAndCountedAcrossRestarts() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "api")
        _ = try await harness.sync()
        harness.server.inject(.status(503), times: 100, pathPrefix: "/orgs/")
        for _ in 1...3 { #expect(try await harness.sync().listingError != nil) }
        #expect(try await harness.store().forgeSyncState(owner: "acme")?.consecutiveFailures == 3)
        #expect(try await harness.store().project(named: "api")?.phase == .discovered)
        #expect(!harness.sleeps.all.isEmpty, "5xx answers are retried with backoff before the listing fails")
        harness.server.clearFaults()
        _ = try await harness.sync()
        #expect(try await harness.store().forgeSyncState(owner: "acme")?.consecutiveFailures == 0)
    }

    @Test func rateLimitsAreWaitedOutOrReportedNeverFalseAlarms() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "api")
        harness.server.triggerSecondaryRateLimit(requests: 1, retryAfter: 2)
        let report = try await harness.sync()
        #expect(report.listingError == nil)
        #expect(harness.sleeps.all.contains { $0 >= .seconds(2) })
        harness.server.setRateLimit(remaining: 0, reset: Date().addingTimeInterval(3600))
        let limited = try await harness.sync()
        #expect(limited.listingError?.contains("rate") == true)
        #expect(try await harness.store().project(named: "api")?.phase == .discovered)
    }
}

/// A forge owned by a user, not an organization: the first listing learns it, later ones ask the right path.
struct GitHubForgeOwnerKindTests {
    @Test func aUsersForgeIsListedWithoutAnOrgs404OnceItsKindIsKnown() async throws {
        let harness = try GitHubHarness()
        _ = harness.server.addUser("octocat")
        try harness.server.addRepository(owner: "octocat", name: "hello", isPrivate: false)
        let forge = try harness.forge()

        let first = try await forge.listRepositories(owner: "octocat", cached: [])
        #expect(first.flatMap(\.repositories).map(\.name) == ["hello"])
        #expect(first.allSatisfy { $0.ownerKind == .user })
        #expect(harness.server.requests.map(\.path) == ["/orgs/octocat/repos", "/users/octocat/repos"])

        // Through the store, as the forge sync keeps the pages between passes.
        let store = try harness.store()
        try await store.saveForgePages(owner: "octocat", first)
        let cached = try await harness.store().forgePages(owner: "octocat")
        #expect(cached.map(\.ownerKind) == [.user])
        harness.server.resetLog()
        let second = try await forge.listRepositories(owner: "octocat", cached: cached)
        #expect(second.flatMap(\.repositories).map(\.name) == ["hello"])
        #expect(harness.server.requests.map(\.path) == ["/users/octocat/repos"])
        #expect(second.first?.notModified == true)
    }
}
