import Foundation
import StewardCore
import StewardModel

/// Steward's state (docs/ARCHITECTURE.md §7): by default one SQLite file, `<stateDirectory>/steward.db`, in WAL mode;
/// or a PostgreSQL database shared by several replicas (`--store postgres://…`). Schema migrations are applied on
/// open, every multi-row change runs in one transaction, and both engines run the same SQL (`SQLConnection`).
///
/// Dates are stored as seconds since 2001-01-01 UTC in a double (`SQLiteDate`) so they round-trip exactly.
/// Several stores — in this process or others — may open the same database; write transactions take the
/// store-wide write lock first (SQLite's lock with a 5 s busy timeout; a PostgreSQL advisory lock).
///
/// `@unchecked Sendable`: a connection is not thread-safe, and every use of one happens inside `withDatabase`, which
/// lends it to one caller at a time, on its own serial queue (`SQLConnectionPool`: one connection on SQLite, up to
/// `postgresConnections` on PostgreSQL). A statement may wait for another process's lock (the busy timeout), for an
/// fsync or for the network: on the queue's own thread, never on the cooperative pool, and a caller waiting for a
/// connection is suspended rather than blocked (docs/ARCHITECTURE.md, "Blocking work").
public final class SQLStateStore: StateStore, @unchecked Sendable {
    /// The database file's name inside the state directory.
    public static let fileName = "steward.db"

    /// The SQLite file; nil for a store on PostgreSQL.
    public let databaseURL: URL?
    /// Where the state is, for messages: the SQLite file's path, or the PostgreSQL URL without its password.
    public let location: String
    /// The engine.
    public let dialect: SQLDialect
    /// What this store was opened on, to open another connection to the same database (its description hides a
    /// password).
    public let storeLocation: StoreLocation
    /// Whether the store was opened read-only; every write then fails (SQLite's `SQLITE_READONLY`, PostgreSQL's
    /// SQLSTATE 25006).
    public let isReadOnly: Bool

    /// How many connections a store on PostgreSQL opens at most (the first at once, the others when all are busy).
    public static let postgresConnections = 4

    private let pool: SQLConnectionPool
    private let encoder: JSONEncoder
    private let decoder: JSONDecoder
    let now: @Sendable () -> Date

    /// Opens `<stateDirectory>/steward.db`, creating the directory (mode 0700) and the file when writable,
    /// and migrates it to the current schema.
    /// - Parameters:
    ///   - stateDirectory: Steward's state directory.
    ///   - readOnly: open for reading only (`steward get` beside a running controller); the file must exist
    ///     and be fully migrated.
    ///   - now: the clock for bookkeeping times the protocol does not pass in (the manifest cache's `last_used`).
    /// - Throws: `StoreError` when the directory or file cannot be opened, or the schema is newer than this
    ///   code (or, read-only, older).
    public convenience init(
        stateDirectory: URL, readOnly: Bool = false, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        try self.init(stateDirectory: stateDirectory, readOnly: readOnly, now: now, migrations: StoreSchema.migrations)
    }

    /// Opens the store `location` names (`StoreLocation`): a state directory's SQLite file, or a PostgreSQL database.
    /// - Throws: `StoreError` when the database cannot be reached or opened, or its schema is newer than this code
    ///   (or, read-only, older).
    public convenience init(
        _ location: StoreLocation, readOnly: Bool = false, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        switch location {
        case .sqlite(let directory):
            try self.init(stateDirectory: directory, readOnly: readOnly, now: now)
        case .postgres(let url):
            try self.init(postgres: url, readOnly: readOnly, now: now, migrations: PostgresSchema.migrations)
        }
    }

    /// The designated initializer for SQLite, with the migration list injectable for tests of the migrator.
    convenience init(
        stateDirectory: URL, readOnly: Bool, now: @escaping @Sendable () -> Date, migrations: [SchemaMigration]
    ) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: stateDirectory.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StoreError(.stateDirectory, "the state directory \(stateDirectory.path) is a file, not a directory; "
                + "give --state-dir a directory (it is created when missing)")
        }
        if !readOnly { try Self.createDirectory(stateDirectory) }
        let databaseURL = stateDirectory.appendingPathComponent(Self.fileName, isDirectory: false)
        let database: SQLiteDatabase
        do {
            let migrator = SchemaMigrator(migrations)
            if readOnly {
                database = try Self.openReadOnly(databaseURL, verify: migrator.verify)
            } else {
                database = try SQLiteDatabase(path: databaseURL.path, mode: .readWriteCreate)
                try migrator.migrate(database)
            }
        } catch let error as StoreError where error.sqliteCode == 26 || error.sqliteCode == 11 {
            // SQLITE_NOTADB, SQLITE_CORRUPT: say which file, and how to get going again without it.
            throw StoreError(.corruptData, "\(databaseURL.path) is not a readable Steward database (\(error)); move it aside "
                + "(mv \(databaseURL.path) \(databaseURL.path).corrupt) and run again: Steward observes the forge and the servers "
                + "anew, and adopts what their deploy markers say runs there (secrets and the agents' threads in it are lost)",
                sqliteCode: error.sqliteCode)
        }
        // One connection: the pool never opens another.
        self.init(pool: SQLConnectionPool(first: database, limit: 1) { throw StoreError(.stateDirectory, "one SQLite connection") },
                  storeLocation: .sqlite(directory: stateDirectory), databaseURL: databaseURL, readOnly: readOnly, now: now)
    }

    /// The designated initializer for PostgreSQL: connects, then migrates (or, read-only, checks the schema).
    convenience init(
        postgres url: String, readOnly: Bool, now: @escaping @Sendable () -> Date, migrations: [SchemaMigration]
    ) throws {
        let database = try PostgresConnection(url: url, readOnly: readOnly)
        let migrator = SchemaMigrator(migrations)
        if readOnly { try migrator.verify(database) } else { try migrator.migrate(database) }
        let pool = SQLConnectionPool(first: database, limit: Self.postgresConnections) {
            try PostgresConnection(url: url, readOnly: readOnly)
        }
        self.init(pool: pool, storeLocation: .postgres(url: url), databaseURL: nil, readOnly: readOnly, now: now)
    }

    private init(
        pool: SQLConnectionPool, storeLocation: StoreLocation, databaseURL: URL?, readOnly: Bool,
        now: @escaping @Sendable () -> Date
    ) {
        self.pool = pool
        self.storeLocation = storeLocation
        self.databaseURL = databaseURL
        location = pool.first.location
        dialect = pool.first.dialect
        isReadOnly = readOnly
        self.now = now
        encoder = JSONEncoder()
        // Sorted keys make the stored JSON canonical, so equal values are equal text.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The same reference-date Double as the date columns: exact round trips.
        encoder.dateEncodingStrategy = .deferredToDate
        decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .deferredToDate
    }

    /// A read-only connection. In a directory nobody can write (a read-only mount, a copy kept for an audit), WAL
    /// mode cannot make its `-shm` file, so SQLite cannot open the file at all: then the file is opened immutable,
    /// which is exact when no `-wal` holds changes (a controller that stopped cleanly leaves none).
    private static func openReadOnly(_ url: URL, verify: (any SQLConnection) throws -> Void) throws -> SQLiteDatabase {
        do {
            let database = try SQLiteDatabase(path: url.path, mode: .readOnly)
            try verify(database)
            return database
        } catch let error as StoreError where error.sqliteCode == 14 || error.sqliteCode == 8 {
            let directory = url.deletingLastPathComponent().path
            guard access(directory, W_OK) != 0 else { throw error }
            let wal = url.path + "-wal"
            let pending = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? NSNumber)?.intValue ?? 0
            guard pending == 0 else {
                throw StoreError(.stateDirectory, "\(directory) is read-only and \(wal) holds changes that are not in "
                    + "\(url.lastPathComponent) yet, which SQLite cannot read without writing beside them: copy the state "
                    + "directory somewhere writable and read the copy, or read it where it can be written")
            }
            let database = try SQLiteDatabase(path: url.path, mode: .immutable)
            try verify(database)
            return database
        }
    }

    private static func createDirectory(_ directory: URL) throws {
        do {
            // The state holds deploy history and, later, encrypted secrets: owner-only.
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw StoreError(
                .stateDirectory,
                "cannot create the state directory \(directory.path): \(error.localizedDescription); "
                    + "check its parent's permissions or choose another state directory"
            )
        }
    }

    /// Caps the bytes of `steward.db` SQLite memory-maps for reads (256 MiB unless set; 0 reads through its page
    /// cache only). A long-running controller maps none: mapped pages count in its resident memory for as long as
    /// it runs, while a one-shot command gains from reading a large cache mapped.
    /// PostgreSQL maps nothing here: a no-op there.
    public func limitMemoryMap(toBytes bytes: Int) async throws {
        try await withDatabase { database in
            guard database.dialect == .sqlite else { return }
            _ = try database.query("PRAGMA mmap_size = \(max(0, bytes))") { _ in () }
        }
    }

    /// What `steward run` maps (`limitMemoryMap(toBytes:)`): nothing.
    public static let controllerMemoryMapBytes = 0

    /// Runs `body` with exclusive use of a connection, on that connection's queue.
    @discardableResult
    func withDatabase<Result>(_ body: (any SQLConnection) throws -> Result) async throws -> Result {
        try await pool.with(body)
    }

    /// How many connections this store has open.
    var openConnections: Int { pool.count }

    // MARK: JSON columns (Foundation's coders are Sendable: several connections' callers may use them at once)

    /// Canonical JSON text of a nested value.
    func json<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes a JSON column.
    /// - Throws: `StoreError.Kind.corruptData` naming the column and row.
    func decodeJSON<Value: Decodable>(_ type: Value.Type, from text: String, column: String, row: String) throws -> Value {
        do {
            return try decoder.decode(type, from: Data(text.utf8))
        } catch {
            throw StoreError(.corruptData, "cannot decode \(column) of \(row) in \(location): \(error)")
        }
    }
}
