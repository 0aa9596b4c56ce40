import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The github_sync semantics on the in-memory store and forge: every transition, and failures that persist.
struct ForgeSyncTests {
    let store = InMemoryStateStore()
    let forge = FakeForge(pageSize: 2)

    func sync(threshold: Int = 3) async throws -> ForgeSyncReport {
        try await ForgeSync(
            forge: forge, store: store, alertThreshold: threshold, now: { Fixtures.now },
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        ).sync(owner: "acme")
    }

    static func repo(_ id: Int64, _ name: String, owner: String = "acme", archived: Bool = false) -> ForgeRepository {
        ForgeRepository(id: id, owner: owner, name: name, archived: archived, cloneURL: "https://example.test/\(owner)/\(name).git")
    }

    @Test func newReposAreDiscoveredAndAnUnchangedListingIsAllNotModified() async throws {
        await forge.set([Self.repo(1, "api"), Self.repo(2, "Web_App"), Self.repo(3, "docs"), Self.repo(9, "other", owner: "else")])
        let first = try await sync()
        #expect(first.pages == 2)
        #expect(first.discovered.sorted() == ["api", "docs", "web-app"])
        let web = try #require(await store.project(named: "web-app"))
        #expect(web.phase == .discovered)
        #expect(web.githubRepoID == 2)
        #expect(web.repo == "acme/Web_App")
        let second = try await sync()
        #expect(second.notModifiedPages == 2)
        #expect(second.discovered == [])
    }

    @Test func aManifestProjectIsLinkedByNameThenFollowedByIdThroughRenames() async throws {
        await store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: "manifests/shop.yaml",
                                                phase: .active, updatedAt: Fixtures.now), events: [])
        await forge.set([Self.repo(7, "shop")])
        let linked = try await sync()
        #expect(linked.linked == ["shop"])
        #expect(try #require(await store.project(named: "shop")).githubRepoID == 7)
        await forge.set([Self.repo(7, "storefront", archived: true)])
        let renamed = try await sync()
        #expect(renamed.renamed == ["shop"])
        #expect(renamed.archived == ["shop"])
        let record = try #require(await store.project(named: "shop"))
        #expect(record.repo == "acme/storefront")
        #expect(record.archived)
        #expect(record.phase == .active)
        #expect(try await store.projects().count == 1)
    }

    @Test func a404MakesAManagedProjectMissingWithACriticalIncidentAndItComesBack() async throws {
        await store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", githubRepoID: 7, manifestPath: "m.yaml",
                                                phase: .active, updatedAt: Fixtures.now), events: [])
        await forge.set([Self.repo(7, "shop"), Self.repo(8, "gone-too")])
        _ = try await sync()
        await forge.set([])
        let report = try await sync()
        #expect(report.missing == ["shop"])
        let missing = try #require(await store.project(named: "shop"))
        #expect(missing.phase == .missing)
        #expect(missing.resumePhase == .active)
        // Status tells the truth: not ready, and why.
        #expect(missing.conditions[Condition.ready]?.status == .false)
        #expect(missing.conditions[Condition.ready]?.reason == "RepoMissing")
        let incidents = await store.incidents(openOnly: true)
        #expect(incidents.map(\.kind) == [.repoMissing])
        #expect(incidents.first?.severity == .critical)
        // The never-managed discovered repo is simply forgotten.
        #expect(await store.project(named: "gone-too") == nil)
        // A second sync does not open a second incident or re-check a missing repo.
        _ = try await sync()
        #expect(await store.incidents(openOnly: false).count == 1)

        await forge.set([Self.repo(7, "shop")])
        let back = try await sync()
        #expect(back.reappeared == ["shop"])
        let returned = try #require(await store.project(named: "shop"))
        #expect(returned.phase == .active)
        #expect(returned.conditions[Condition.ready]?.status == .true)
        #expect(await store.incidents(openOnly: true).isEmpty)
        #expect(await store.incidents(openOnly: false).first?.status == .resolved)
    }

    @Test func transientLookupFailuresCountAndAlertOnlyAtTheThreshold() async throws {
        await store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", githubRepoID: 7, manifestPath: "m.yaml",
                                                phase: .active, updatedAt: Fixtures.now), events: [])
        await forge.set([])
        await forge.failLookup(7, "HTTP 502 from /repositories/7")
        for expected in 1...4 {
            let report = try await sync()
            #expect(report.uncertain == ["shop"])
            let record = try #require(await store.project(named: "shop"))
            #expect(record.failCount == expected)
            #expect(record.phase == .active)
        }
        let alerts = await store.events(objectKind: "Project", objectName: "shop", limit: 50).filter { $0.reason == "RepoCheckFailing" }
        #expect(alerts.count == 1)
        #expect(await store.incidents(openOnly: false).isEmpty)
        await forge.set([Self.repo(7, "shop")])
        _ = try await sync()
        #expect(try #require(await store.project(named: "shop")).failCount == 0)
    }

    @Test func listingFailuresChangeNothingAndAlertAfterNInARow() async throws {
        await forge.set([Self.repo(1, "api")])
        _ = try await sync()
        await forge.failListings(["timeout", "HTTP 503", "HTTP 503", "HTTP 500"])
        for _ in 1...4 {
            let report = try await sync()
            #expect(report.listingError != nil)
        }
        #expect(await store.forgeSyncState(owner: "acme")?.consecutiveFailures == 4)
        #expect(try #require(await store.project(named: "api")).phase == .discovered)
        let forgeEvents = await store.events(objectKind: "Forge", objectName: "acme", limit: 10)
        #expect(forgeEvents.map(\.reason) == ["ForgeSyncFailing"])
        _ = try await sync()
        #expect(await store.forgeSyncState(owner: "acme")?.consecutiveFailures == 0)
        #expect(await store.events(objectKind: "Forge", objectName: "acme", limit: 10).map(\.reason) == ["ForgeSyncFailing", "ForgeSyncRecovered"])
    }

    @Test func discoveredNamesAreDNSLabelsAndUnique() {
        #expect(ForgeSync.projectName(for: Self.repo(5, "My.Cool_Repo"), taken: []) == "my-cool-repo")
        #expect(ForgeSync.projectName(for: Self.repo(5, "api"), taken: ["api"]) == "api-5")
        #expect(ForgeSync.projectName(for: Self.repo(5, "---"), taken: []) == "repo")
    }
}

struct ForgeSyncAdoptionTests {
    private static func sync(_ store: InMemoryStateStore, _ forge: FakeForge) -> ForgeSync {
        ForgeSync(forge: forge, store: store, now: { Fixtures.now }, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test func aManifestUnderAnotherNameTakesTheDiscoveredRepoOver() async throws {
        let store = InMemoryStateStore()
        let forge = FakeForge()
        await forge.set([ForgeSyncTests.repo(4, "weather-bot")])
        let sync = Self.sync(store, forge)
        _ = try await sync.sync(owner: "acme")
        #expect(try #require(await store.project(named: "weather-bot")).phase == .discovered)
        await store.save(project: ProjectRecord(name: "wb", repo: "acme/weather-bot", manifestPath: "manifests/wb.yaml",
                                                phase: .initialized, updatedAt: Fixtures.now), events: [])
        _ = try await sync.sync(owner: "acme")
        #expect(await store.project(named: "weather-bot") == nil)
        #expect(try #require(await store.project(named: "wb")).githubRepoID == 4)
    }

    /// examples/servers: three projects deploy one repo. The repo is one record's worth: no discovered `app`
    /// beside them, and each of them shows the repo's id.
    @Test func severalProjectsOnOneRepoEachGetItsIdAndNoDiscoveredCopy() async throws {
        let store = InMemoryStateStore()
        let forge = FakeForge()
        await forge.set([ForgeSyncTests.repo(1, "app"), ForgeSyncTests.repo(2, "other")])
        let sync = Self.sync(store, forge)
        for name in ["api", "shop", "web"] {
            await store.save(project: ProjectRecord(name: name, repo: "acme/app", manifestPath: "manifests/\(name).yaml",
                                                    phase: .initialized, updatedAt: Fixtures.now), events: [])
        }
        let report = try await sync.sync(owner: "acme")
        #expect(try #require(await store.project(named: "other")).phase == .discovered)
        #expect(report.discovered == ["other"])
        for name in ["api", "shop", "web"] {
            #expect(try #require(await store.project(named: name)).githubRepoID == 1, "\(name)")
        }
        #expect(await store.project(named: "app") == nil)
    }

    /// A discovered record made before a manifest used the repo goes once several projects use it.
    @Test func aDiscoveredCopyGoesWhenSeveralProjectsUseTheRepo() async throws {
        let store = InMemoryStateStore()
        let forge = FakeForge()
        await forge.set([ForgeSyncTests.repo(1, "app")])
        let sync = Self.sync(store, forge)
        _ = try await sync.sync(owner: "acme")
        #expect(try #require(await store.project(named: "app")).phase == .discovered)
        for name in ["api", "web"] {
            await store.save(project: ProjectRecord(name: name, repo: "acme/app", manifestPath: "manifests/\(name).yaml",
                                                    phase: .initialized, updatedAt: Fixtures.now), events: [])
        }
        _ = try await sync.sync(owner: "acme")
        #expect(await store.project(named: "app") == nil)
        #expect(try #require(await store.project(named: "api")).githubRepoID == 1)
        #expect(try #require(await store.project(named: "web")).githubRepoID == 1)
    }
}
