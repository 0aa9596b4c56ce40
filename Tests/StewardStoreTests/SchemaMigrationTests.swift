import Foundation
import StewardTestSupport
import Testing
@testable import StewardStore

struct SchemaMigrationTests {
    private static let first = SchemaMigration(
        version: 1, summary: "log", sql: "CREATE TABLE log (step INTEGER) STRICT; INSERT INTO log VALUES (1);"
    )
    private static let second = SchemaMigration(version: 2, summary: "second step", sql: "INSERT INTO log VALUES (2)")

    private func open(_ directory: TemporaryDirectory, _ migrations: [SchemaMigration]) throws -> SQLStateStore {
        try SQLStateStore(stateDirectory: directory.url, readOnly: false, now: { Date() }, migrations: migrations)
    }

    private func log(_ directory: TemporaryDirectory) throws -> [Int] {
        let database = try SQLiteDatabase(
            path: directory.url.appendingPathComponent(SQLStateStore.fileName).path, mode: .readOnly
        )
        return try database.query("SELECT step FROM log ORDER BY rowid") { try $0.int(at: 0) }
    }

    @Test func freshFileGetsEveryTableAndTheLatestVersion() async throws {
        let fixture = try await StoreFixture()
        let database = try fixture.rawSQLite()
        #expect(try database.schemaVersion() == StoreSchema.migrations.count)
        let tables = try database.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name") {
            try $0.string(at: 0)
        }
        for table in ["allocations", "events", "manifest_cache", "projects", "reconciles", "run_tasks", "runs", "servers"] {
            #expect(tables.contains(table), "missing table \(table)")
        }
        #expect(try database.journalMode() == "wal")
    }

    @Test func stateDirectoryIsCreatedOwnerOnly() throws {
        let parent = try TemporaryDirectory(prefix: "steward-store")
        let state = parent.url.appendingPathComponent("nested/state")
        _ = try SQLStateStore(stateDirectory: state)
        let attributes = try FileManager.default.attributesOfItem(atPath: state.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("steward.db").path))
    }

    @Test func eachMigrationRunsOnceAndReopeningIsANoOp() throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        _ = try open(directory, [Self.first])
        #expect(try log(directory) == [1])
        _ = try open(directory, [Self.first, Self.second])
        _ = try open(directory, [Self.first, Self.second])
        #expect(try log(directory) == [1, 2])
        #expect(try SQLiteDatabase(path: directory.url.appendingPathComponent("steward.db").path, mode: .readOnly)
            .schemaVersion() == 2)
    }

    @Test func reopeningTheRealSchemaKeepsData() async throws {
        let fixture = try await StoreFixture()
        try await fixture.store.save(project: Samples.minimalProject(), events: [])
        let reopened = try await fixture.reopen()
        #expect(try await reopened.projects() == [Samples.minimalProject()])
    }

    @Test func failedMigrationIsRolledBack() throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        _ = try open(directory, [Self.first])
        let broken = SchemaMigration(
            version: 2, summary: "broken step", sql: "CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);"
        )
        let error = #expect(throws: StoreError.self) { try open(directory, [Self.first, broken]) }
        #expect(error?.description.contains("schema migration 2 (broken step) failed") == true)
        #expect(error?.description.contains("no such table: nowhere") == true)
        let database = try SQLiteDatabase(path: directory.url.appendingPathComponent("steward.db").path, mode: .readOnly)
        #expect(try database.schemaVersion() == 1)
        #expect(try database.query("SELECT name FROM sqlite_schema WHERE name = 'half'") { try $0.string(at: 0) }.isEmpty)
    }

    @Test func databaseFromANewerStewardIsRefused() async throws {
        let fixture = try await StoreFixture()
        try fixture.rawDatabase().setSchemaVersion(99)
        let error = await #expect(throws: StoreError.self) { try await fixture.reopen() }
        #expect(error?.kind == .schemaTooNew)
        let text = error?.description ?? ""
        #expect(text.contains("schema version 99"))
        #expect(text.contains("newer than version \(StoreSchema.migrations.count)"))
        #expect(text.contains(fixture.databasePath))
        #expect(text.contains("never downgrades"))
        // Refused read-only too, and the file keeps its version.
        await #expect(throws: StoreError.self) { try await fixture.reopen(readOnly: true) }
        #expect(try fixture.rawDatabase().schemaVersion() == 99)
    }

    @Test func readOnlyOpenOfAnUnmigratedFileIsRefused() throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        _ = try SQLiteDatabase(path: directory.url.appendingPathComponent("steward.db").path, mode: .readWriteCreate)
        let error = #expect(throws: StoreError.self) {
            try SQLStateStore(stateDirectory: directory.url, readOnly: true)
        }
        #expect(error?.kind == .schemaOutdated)
        #expect(error?.description.contains("schema version 0") == true)
        #expect(error?.description.contains("read-write") == true)
    }

    @Test func concurrentFirstOpensMigrateOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "steward-store")
        let url = directory.url
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    _ = try SQLStateStore(
                        stateDirectory: url, readOnly: false, now: { Date() }, migrations: [Self.first, Self.second]
                    )
                }
            }
            try await group.waitForAll()
        }
        #expect(try log(directory) == [1, 2])
    }
}
