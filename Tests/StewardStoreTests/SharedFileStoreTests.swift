import Foundation
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardStore

/// Several stores on one file, as a controller and `steward get` in separate processes would open it.
struct SharedFileStoreTests {
    @Test(arguments: SQLDialect.allCases) func twoWritableStoresSeeEachOthersWrites(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let first = fixture.store
        let second = try await fixture.reopen()
        let shop = Samples.fullProject("shop")
        try await first.save(project: shop, events: [Samples.event("shop")])
        #expect(try await second.project(named: "shop") == shop)

        let alpha = Samples.fullServer("alpha")
        try await second.save(server: alpha, events: [Samples.event("alpha", kind: "Server")])
        #expect(try await first.servers() == [alpha])
        #expect(try await first.events(objectKind: nil, objectName: nil, limit: 10).count == 2)

        try await second.deleteProject(named: "shop", events: [])
        #expect(try await first.projects().isEmpty)
    }

    @Test(arguments: SQLDialect.allCases) func readOnlyStoreReadsBesideAWriterButCannotWrite(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let writer = fixture.store
        let shop = Samples.fullProject("shop")
        try await writer.save(project: shop, events: [Samples.event("shop")])

        let reader = try await fixture.reopen(readOnly: true)
        #expect(reader.isReadOnly)
        #expect(try await reader.project(named: "shop") == shop)

        // Later commits of the writer are visible: the reader holds no stale snapshot between calls.
        let blog = Samples.minimalProject("blog")
        try await writer.save(project: blog, events: [])
        _ = try await writer.beginRun(RunRecord(kind: "deploy", project: "blog", playbook: "p.yml", inputHash: "h", startedAt: Samples.time))
        #expect(try await reader.projects().map(\.name) == ["blog", "shop"])
        #expect(try await reader.runs(project: "blog", limit: 1).count == 1)
        #expect(try await reader.cachedManifests(blobIDs: ["x"]).isEmpty)

        let refused = await #expect(throws: StoreError.self) { try await reader.save(project: blog, events: []) }
        switch engine {
        case .sqlite:
            #expect(refused?.sqliteCode.map { $0 & 0xff } == 8)
            #expect(refused?.description.contains("readonly database") == true)
        case .postgres:
            #expect(refused?.sqlState == "25006")
        }
        await #expect(throws: StoreError.self) { try await reader.append(events: [Samples.event("shop")]) }
        await #expect(throws: StoreError.self) {
            try await reader.allocatePort(project: "shop", server: "alpha", range: 8000...8001)
        }
        // The parse cache is an optimisation: a read-only store (plan from a read-only state dir) skips writing it.
        try await reader.cacheManifests(["x": Data()])
        #expect(try await reader.cachedManifests(blobIDs: ["x"]).isEmpty)
        await #expect(throws: StoreError.self) { try await reader.recoverInterruptedRuns(at: Samples.time) }
        #expect(try await writer.projects().map(\.name) == ["blog", "shop"])
    }

    @Test(arguments: SQLDialect.allCases) func readOnlyStoreOpensAfterTheWriterClosed(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let shop = Samples.fullProject("shop")
        try await fixture.store.save(project: shop, events: [])
        var writer: SQLStateStore? = try await fixture.reopen()
        try await writer?.save(project: Samples.minimalProject("blog"), events: [])
        writer = nil
        let reader = try await fixture.reopen(readOnly: true)
        #expect(try await reader.projects().count == 2)
    }

    @Test func storeClosesTheFileWhenReleased() async throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        var store: SQLStateStore? = try SQLStateStore(stateDirectory: directory.url)
        try await store?.save(project: Samples.fullProject(), events: [Samples.event("shop")])
        _ = try await store?.projects()
        let wal = directory.url.appendingPathComponent("steward.db-wal").path
        #expect(FileManager.default.fileExists(atPath: wal))
        store = nil
        // Only the last connection's close removes the WAL.
        #expect(!FileManager.default.fileExists(atPath: wal))
    }

    @Test(arguments: SQLDialect.allCases) func readOnlyStoreNeedsAnExistingDatabase(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let directory = fixture.directory.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let error = #expect(throws: StoreError.self) { try SQLStateStore(stateDirectory: directory, readOnly: true) }
        #expect(error?.description.contains("steward.db") == true)
    }
}
