import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardStore

/// `steward store migrate` (StoreCopy) and the two schemas it relies on being the same, against the test PostgreSQL
/// server. What talks to PostgreSQL runs off the cooperative pool (`blocking`).
@Suite struct StoreCopyTests {
    private func blocking<Result>(_ body: () throws -> Result) async throws -> Result {
        try await BlockingWork.run("test.store-copy", body)
    }

    /// A SQLite store with rows in many tables, through the store's own API (so triggers write the outbox too).
    private static func filledSQLite() async throws -> StoreFixture {
        let fixture = try await StoreFixture(.sqlite)
        let store = fixture.store
        try await store.save(project: Samples.fullProject("shop"), events: [Samples.event("shop", reason: "Registered")])
        try await store.save(project: Samples.minimalProject("blog"), events: [])
        try await store.save(server: Samples.fullServer(), events: [Samples.event("alpha", kind: "Server")])
        _ = try await store.allocatePort(project: "shop", server: "alpha", range: 9000...9010)
        var run = RunRecord(kind: "deploy", project: "shop", playbook: "deploy.yml", inputHash: "h", startedAt: Samples.time)
        run.id = try await store.beginRun(run)
        try await store.appendTask(runID: run.id!, TaskEvent(host: "alpha", task: "start", status: .ok, durationMs: 12))
        run.status = .failed
        run.finishedAt = Samples.time + 5
        try await store.finishRun(run)
        _ = try await store.openIncident(
            IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: "shop", message: "404",
                           openedAt: Samples.time), events: [])
        try await store.cacheManifests(["blob-1": Data([0, 1, 2, 255])])
        _ = try await store.rememberDelivery("d-1", event: "push", at: Samples.time, keep: 10)
        return fixture
    }

    @Test func everyRowIsCopiedOnceAndACopyAgainChangesNothing() async throws {
        let source = try await Self.filledSQLite()
        let target = try await blocking { try PostgresTestDatabase() }
        let destination = StoreLocation.postgres(url: target.url)

        let first = try await blocking { try StoreCopy.copy(from: source.location, to: destination) }
        #expect(first.map(\.name) == StoreCopy.tables)
        #expect(first.allSatisfy { $0.source == $0.destination && $0.copied == $0.source })
        #expect(first.first { $0.name == "outbox" }?.source == 2, "the incident and the failed deploy each wrote one message")

        // What the PostgreSQL store reads is what the SQLite store reads.
        let copy = try await blocking { try SQLStateStore(destination) }
        #expect(try await copy.projects() == (try await source.store.projects()))
        #expect(try await copy.servers() == (try await source.store.servers()))
        #expect(try await copy.runs(project: "shop", limit: 5) == (try await source.store.runs(project: "shop", limit: 5)))
        #expect(try await copy.events(objectKind: nil, objectName: nil, limit: 50)
            == (try await source.store.events(objectKind: nil, objectName: nil, limit: 50)))
        #expect(try await copy.incidents(openOnly: false) == (try await source.store.incidents(openOnly: false)))
        #expect(try await copy.cachedManifests(blobIDs: ["blob-1"]) == ["blob-1": Data([0, 1, 2, 255])])
        // Triggers were off during the copy: no second outbox message for the copied incident and run.
        let raw = try PostgresConnection(url: target.url)
        func outboxRows() throws -> Int { try raw.query("SELECT count(*) FROM outbox") { try $0.int(at: 0) }.first ?? -1 }
        #expect(try outboxRows() == 2)

        // New rows continue after the copied ids, and the triggers are on again.
        let newID = try await copy.beginRun(RunRecord(kind: "deploy", project: "blog", playbook: "d.yml", inputHash: "x",
                                                      startedAt: Samples.time))
        #expect(newID == 2)
        _ = try await copy.openIncident(
            IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: "blog", message: "404",
                           openedAt: Samples.time), events: [])
        #expect(try outboxRows() == 3)

        // Idempotent: the rows are there, so nothing is copied; the new rows make the counts differ, so it is refused.
        let blank = try await blocking { try PostgresTestDatabase() }
        _ = try await blocking { try StoreCopy.copy(from: source.location, to: .postgres(url: blank.url)) }
        let again = try await blocking { try StoreCopy.copy(from: source.location, to: .postgres(url: blank.url)) }
        #expect(again.allSatisfy { $0.copied == 0 && $0.source == $0.destination })
        let refused = await #expect(throws: StoreError.self) { try await blocking { try StoreCopy.copy(from: source.location, to: destination) } }
        #expect(refused?.description.contains("runs: 2 rows, 1 in the source") == true)
        #expect(refused?.description.contains(target.name) == true)
    }

    @Test func aRefusedCopyCommitsNothing() async throws {
        let source = try await Self.filledSQLite()
        let target = try await blocking { try PostgresTestDatabase() }
        let other = try await blocking { try SQLStateStore(.postgres(url: target.url)) }
        try await other.save(project: Samples.minimalProject("unrelated"), events: [])
        await #expect(throws: StoreError.self) { try await blocking { try StoreCopy.copy(from: source.location, to: .postgres(url: target.url)) } }
        #expect(try await other.projects().map(\.name) == ["unrelated"])
        #expect(try await other.servers().isEmpty)
    }

    @Test func aStoreInUseOrAWrongLocationIsRefused() async throws {
        let source = try await Self.filledSQLite()
        let target = try await blocking { try PostgresTestDatabase() }
        _ = try await source.store.acquireLease("controller", holder: "steward run (pid 1 on h)", ttl: .seconds(60), now: Date(),
                                                isGone: { _ in false })
        let inUse = await #expect(throws: StoreError.self) { try await blocking { try StoreCopy.copy(from: source.location, to: .postgres(url: target.url)) } }
        #expect(inUse?.description.contains("controller (steward run (pid 1 on h))") == true)

        let empty = try TemporaryDirectory()
        let missing = await #expect(throws: StoreError.self) {
            try await blocking { try StoreCopy.copy(from: .sqlite(directory: empty.url), to: .postgres(url: target.url)) }
        }
        #expect(missing?.description.contains("no Steward database in \(empty.url.path)") == true)
        await #expect(throws: StoreError.self) { try await blocking { try StoreCopy.copy(from: source.location, to: .sqlite(directory: empty.url)) } }
    }

    /// The copy names every table, and both schemas have the same tables with the same columns.
    @Test func bothSchemasHaveTheSameTablesAndColumns() async throws {
        let sqlite = try await StoreFixture(.sqlite)
        let postgres = try await StoreFixture(.postgres)
        let raw = try sqlite.rawSQLite()
        let sqliteTables = try raw.query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ) { try $0.string(at: 0) }
        #expect(sqliteTables == StoreCopy.tables.sorted())
        let pg = try postgres.rawDatabase()
        let pgTables = try pg.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                + "AND table_name <> 'schema_version' ORDER BY table_name COLLATE \"C\"", []
        ) { try $0.string(at: 0) }
        #expect(pgTables == sqliteTables)
        for table in sqliteTables {
            let sqliteColumns = try raw.query("SELECT name FROM pragma_table_info(?) ORDER BY name", [.text(table)]) {
                try $0.string(at: 0)
            }
            let pgColumns = try pg.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? "
                    + "ORDER BY column_name COLLATE \"C\"", [.text(table)]
            ) { try $0.string(at: 0) }
            #expect(pgColumns == sqliteColumns, "columns of \(table)")
        }
    }

    @Test func storeURLsParse() throws {
        let base = URL(fileURLWithPath: "/work")
        #expect(try StoreLocation(parsing: "sqlite:state", relativeTo: base) == .sqlite(directory: URL(fileURLWithPath: "/work/state")))
        #expect(try StoreLocation(parsing: "sqlite:///var/lib/steward", relativeTo: base)
            == .sqlite(directory: URL(fileURLWithPath: "/var/lib/steward")))
        let url = "postgresql://steward:s3cret@db.internal:5432/steward?sslmode=require"
        #expect(try StoreLocation(parsing: url) == .postgres(url: url))
        #expect(try StoreLocation(parsing: url).description == "postgresql://steward:***@db.internal:5432/steward?sslmode=require")
        let wrong = #expect(throws: StoreError.self) { try StoreLocation(parsing: "mysql://root:hunter2@db/x") }
        #expect(wrong?.description.contains("hunter2") == false)
        #expect(wrong?.description.contains("sqlite:DIR") == true)
        #expect(throws: StoreError.self) { try StoreLocation(parsing: "sqlite:") }
    }
}
