import Foundation
import Logging
import StewardCore
import StewardModel
import StewardStore
import StewardTestSupport
import Testing

/// The forge sync's tables on a real SQLite file, and counters that survive a restart.
struct ForgeSyncStoreTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    static func repo(_ id: Int64, _ name: String) -> ForgeRepository {
        ForgeRepository(id: id, owner: "acme", name: name, cloneURL: "https://example.test/acme/\(name).git")
    }

    @Test(arguments: SQLDialect.allCases) func pagesStateAndIncidentsRoundTrip(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen()
        let pages = [
            ForgePage(number: 1, etag: "W/\"a\"", hasNext: true, repositories: [Self.repo(1, "api")]),
            ForgePage(number: 2, etag: nil, hasNext: false, repositories: []),
        ]
        try await store.saveForgePages(owner: "acme", pages)
        #expect(try await store.forgePages(owner: "acme") == pages)
        try await store.saveForgePages(owner: "acme", [pages[1]])
        #expect(try await store.forgePages(owner: "acme") == [pages[1]])

        let state = ForgeSyncState(owner: "acme", consecutiveFailures: 2, lastAttemptAt: Self.time, lastError: "HTTP 503")
        try await store.save(forgeSyncState: state, events: [])
        #expect(try await fixture.reopen().forgeSyncState(owner: "acme") == state)

        let incident = IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: "shop",
                                      message: "404", openedAt: Self.time)
        let first = try await store.openIncident(incident, events: [])
        let again = try await store.openIncident(incident, events: [])
        #expect(first.id != nil && first.id == again.id)
        let resolved = try await store.updateOpenIncident(
            kind: .repoMissing, objectKind: "Project", objectName: "shop", status: .resolved, message: "back",
            at: Self.time + 60, events: [])
        #expect(resolved?.resolvedAt == Self.time + 60)
        #expect(try await store.incidents(openOnly: true).isEmpty)
        let reopened = try await store.openIncident(incident, events: [])
        #expect(reopened.id != first.id)
        #expect(try await store.incidents(openOnly: false).map(\.status) == [.detected, .resolved])
    }

    @Test(arguments: SQLDialect.allCases) func failCountsSurviveARestartInTheMiddle(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let forge = FakeForge()
        await forge.set([Self.repo(7, "shop")])
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        func syncInANewProcess() async throws -> ForgeSyncReport {
            // A new store per call, as a restarted controller opens it.
            try await ForgeSync(forge: forge, store: try fixture.reopen(), alertThreshold: 3,
                                now: { Self.time }, logger: logger).sync(owner: "acme")
        }
        try await fixture.reopen().save(
            project: ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: "manifests/shop.yaml", phase: .active,
                                   updatedAt: Self.time), events: [])
        _ = try await syncInANewProcess()
        await forge.set([])
        await forge.failLookup(7, "timeout")
        _ = try await syncInANewProcess()
        _ = try await syncInANewProcess()
        let store = try await fixture.reopen()
        #expect(try await store.project(named: "shop")?.failCount == 2)
        #expect(try await store.events(objectKind: "Project", objectName: "shop", limit: 10).filter { $0.reason == "RepoCheckFailing" }.isEmpty)
        _ = try await syncInANewProcess()
        #expect(try await store.project(named: "shop")?.failCount == 3)
        #expect(try await store.events(objectKind: "Project", objectName: "shop", limit: 10).contains { $0.reason == "RepoCheckFailing" })
        await forge.failLookup(7, nil)
        _ = try await syncInANewProcess()
        #expect(try await store.project(named: "shop")?.phase == .missing)
    }
}
