import Foundation
import StewardTestSupport
import Testing
@testable import StewardStore

struct SQLiteDatabaseTests {
    /// A connection to a file in its own directory, which lives as long as the value.
    private struct Scratch {
        let directory: TemporaryDirectory
        let database: SQLiteDatabase

        init() throws {
            directory = try TemporaryDirectory(prefix: "steward-sqlite")
            database = try SQLiteDatabase(path: directory.url.appendingPathComponent("test.db").path, mode: .readWriteCreate)
        }
    }

    @Test func connectionSettings() throws {
        let scratch = try Scratch()
        let database = scratch.database
        #expect(try database.journalMode() == "wal")
        #expect(try database.query("PRAGMA foreign_keys") { try $0.int(at: 0) } == [1])
        // NORMAL is 1.
        #expect(try database.query("PRAGMA synchronous") { try $0.int(at: 0) } == [1])
        #expect(try database.query("PRAGMA busy_timeout") { try $0.int(at: 0) } == [5_000])
        #expect(try database.query("PRAGMA mmap_size") { try $0.int(at: 0) } == [256 << 20])
    }

    /// The immutable mode (a read-only state dir) opens by `file:` URI: a path with spaces, `?`, `#` or `%` must reach
    /// the same file, and the connection reads what a writer committed and closed.
    @Test func immutableOpensAnyPathByURIAndReadsCommittedRows() throws {
        let directory = try TemporaryDirectory(prefix: "steward sqlite ?#%")
        let path = directory.url.appendingPathComponent("odd name?#%.db").path
        #expect(SQLiteDatabase.immutableURI("/a b/c?d#e%f.db") == "file:/a%20b/c%3Fd%23e%25f.db?immutable=1")
        do {
            let writer = try SQLiteDatabase(path: path, mode: .readWriteCreate)
            try writer.execute("CREATE TABLE t (x INTEGER)")
            try writer.execute("INSERT INTO t VALUES (42)")
        }
        let reader = try SQLiteDatabase(path: path, mode: .immutable)
        #expect(try reader.query("SELECT x FROM t") { try $0.int(at: 0) } == [42])
        #expect(throws: StoreError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
    }

    @Test func valuesRoundTrip() throws {
        let scratch = try Scratch()
        let database = scratch.database
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT)")
        let text = "nul\u{0}inside ✓"
        let blob = Data([0, 1, 2, 255])
        try database.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(.min), .real(0.1), .text(text), .blob(blob), .null])
        try database.run("INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(.max), .real(-0.0), .text(""), .blob(Data()), .null])
        let rows = try database.query("SELECT i, r, s, b, n, typeof(b) FROM t ORDER BY rowid") { row in
            (try row.int64(at: 0), try row.double(at: 1), try row.string(at: 2), try row.data(at: 3),
             try row.optionalString(at: 4), try row.string(at: 5))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == .min && rows[0].1 == 0.1 && rows[0].2 == text && rows[0].3 == blob && rows[0].4 == nil)
        #expect(rows[1].0 == .max && rows[1].2 == "" && rows[1].3 == Data())
        // An empty blob stays a blob, not NULL.
        #expect(rows[1].5 == "blob")
    }

    @Test func errorsCarrySQLiteMessageAndSQL() throws {
        let scratch = try Scratch()
        let database = scratch.database
        let error = #expect(throws: StoreError.self) {
            try database.run("INSERT INTO nowhere VALUES (?)", [.integer(1)])
        }
        #expect(error?.kind == .sqlite)
        #expect(error?.sqliteCode == 1)
        #expect(error?.description.contains("no such table: nowhere") == true)
        #expect(error?.description.contains("INSERT INTO nowhere") == true)
        #expect(error?.description.contains(database.path) == true)
    }

    @Test func unexpectedNullIsCorruptData() throws {
        let scratch = try Scratch()
        let database = scratch.database
        let error = #expect(throws: StoreError.self) {
            try database.query("SELECT NULL AS missing") { try $0.string(at: 0) }
        }
        #expect(error?.kind == .corruptData)
        #expect(error?.description.contains("missing") == true)
    }

    @Test func transactionCommitsOrRollsBack() throws {
        let scratch = try Scratch()
        let database = scratch.database
        try database.execute("CREATE TABLE t (x INTEGER)")
        try database.transaction { try database.run("INSERT INTO t VALUES (1)") }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
        }
        #expect(try database.query("SELECT x FROM t") { try $0.int(at: 0) } == [1])
        // Usable again after the rollback.
        try database.transaction { try database.run("INSERT INTO t VALUES (3)") }
        #expect(try database.query("SELECT x FROM t ORDER BY x") { try $0.int(at: 0) } == [1, 3])
    }

    @Test func transactionsDoNotNest() throws {
        let scratch = try Scratch()
        let database = scratch.database
        let error = #expect(throws: StoreError.self) {
            try database.transaction { try database.transaction {} }
        }
        #expect(error?.description.contains("within a transaction") == true)
    }

    @Test func connectionClosesWhenReleased() throws {
        let directory = try TemporaryDirectory(prefix: "steward-sqlite")
        let path = directory.url.appendingPathComponent("test.db").path
        var database: SQLiteDatabase? = try SQLiteDatabase(path: path, mode: .readWriteCreate)
        try database?.execute("CREATE TABLE t (x INTEGER)")
        try database?.run("INSERT INTO t VALUES (?)", [.integer(1)])
        #expect(try database?.query("SELECT x FROM t") { try $0.int(at: 0) } == [1])
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        // The last connection to close checkpoints and removes the WAL: proof that cached statements
        // did not keep this one alive.
        database = nil
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    }

    @Test func readOnlyOpenOfMissingFileFails() throws {
        let directory = try TemporaryDirectory(prefix: "steward-sqlite")
        let path = directory.url.appendingPathComponent("absent.db").path
        let error = #expect(throws: StoreError.self) { try SQLiteDatabase(path: path, mode: .readOnly) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("read-only") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
