import CSQLite
import Foundation

/// One SQLite connection (`sqlite3*`): opened in `init`, closed in `deinit`.
///
/// Not `Sendable`: a connection is used by one thread at a time; `SQLStateStore` serializes access.
final class SQLiteDatabase: SQLConnection {
    /// How the file is opened.
    enum Mode: Sendable {
        /// Read-write, creating the file when missing; sets WAL, `synchronous=NORMAL`.
        case readWriteCreate
        /// Read-only; works while another process writes (WAL).
        case readOnly
        /// Read-only from a directory no one can write (a read-only mount or copy): no locks, no WAL (SQLite's
        /// `immutable=1`). Only right when nothing writes the file and no `-wal` holds changes.
        case immutable
    }

    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    static let busyTimeoutMilliseconds: Int32 = 5_000
    /// Bytes of the database file SQLite may memory-map for reads.
    static let mmapSize = 256 << 20

    let path: String
    let mode: Mode
    var dialect: SQLDialect { .sqlite }
    var location: String { path }
    private let handle: OpaquePointer
    /// Prepared statements by SQL text, reused by `run` and `query` (prepared once per connection).
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (or creates) the database file and applies the connection settings.
    /// - Throws: `StoreError` with SQLite's message when the file cannot be opened or configured.
    init(path: String, mode: Mode) throws {
        var handle: OpaquePointer?
        let flags = switch mode {
        case .readWriteCreate: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        case .readOnly: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        case .immutable: SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        }
        let name = mode == .immutable ? Self.immutableURI(path) : path
        let code = sqlite3_open_v2(name, &handle, flags, nil)
        guard let handle else {
            throw StoreError.sqlite(code: code, message: "out of memory", operation: "opening the database", path: path)
        }
        guard code == SQLITE_OK else {
            // SQLite hands back a handle even when opening fails; it carries the message and must be closed.
            let message = String(cString: sqlite3_errmsg(handle))
            sqlite3_close_v2(handle)
            let operation = mode == .readWriteCreate ? "opening the database" : "opening the database read-only"
            throw StoreError.sqlite(code: code, message: message, operation: operation, path: path)
        }
        self.path = path
        self.mode = mode
        self.handle = handle
        try configure()
    }

    /// `file:` URI of `path` with `immutable=1`; every byte outside the unreserved set is percent-encoded.
    static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "/-._~")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
    }

    deinit {
        // Finalize every statement before closing; close_v2 would otherwise keep a zombie connection open.
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    private func configure() throws {
        try check(sqlite3_extended_result_codes(handle, 1), "enabling extended result codes")
        try check(sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds), "setting busy_timeout")
        try execute("PRAGMA foreign_keys = ON")
        // Reads straight from the mapped file instead of a pread() per page: looking up 10,100 cached
        // manifests took ~38 ms through the default 2 MB page cache and ~22 ms mapped (release build).
        // The cap is address space, not memory.
        _ = try query("PRAGMA mmap_size = \(Self.mmapSize)") { _ in () }
        guard mode == .readWriteCreate else { return }
        let journalMode = try query("PRAGMA journal_mode = WAL") { try $0.string(at: 0) }.first
        guard journalMode == "wal" else {
            throw StoreError(
                .sqlite,
                "SQLite in \(path) kept journal_mode \(journalMode ?? "unknown") instead of wal; "
                    + "WAL needs a local file system with shared memory (not NFS): move the state directory"
            )
        }
        // NORMAL is durable across application crashes in WAL mode; a power loss may drop the last commits.
        try execute("PRAGMA synchronous = NORMAL")
    }

    // MARK: Errors

    /// The one place SQLite result codes become errors: `SQLITE_OK`, `SQLITE_ROW` and `SQLITE_DONE` pass.
    /// - Parameters:
    ///   - code: what the C call returned.
    ///   - operation: the SQL text or a description of the call, for the message.
    /// - Throws: `StoreError` carrying `sqlite3_errmsg`.
    func check(_ code: Int32, _ operation: @autoclosure () -> String) throws {
        switch code {
        case SQLITE_OK, SQLITE_ROW, SQLITE_DONE: return
        default:
            let message = String(cString: sqlite3_errmsg(handle))
            throw StoreError.sqlite(code: code, message: message, operation: operation(), path: path)
        }
    }

    // MARK: Statements

    /// The prepared statement for `sql`, compiled on first use and kept for the connection's lifetime,
    /// returned reset and without bindings.
    ///
    /// The connection owns every statement it prepares, so all are finalized before it closes; callers
    /// use one only inside `run` and `query` and never keep it. SQL texts must therefore come from a
    /// bounded set (no values spliced in), or the cache would grow without end.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let statement = statements[sql] {
            statement.reset()
            return statement
        }
        var handle: OpaquePointer?
        try check(sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil), sql)
        guard let handle else {
            throw StoreError(.invalidArgument, "no SQL statement in \(sql.debugDescription)")
        }
        let statement = SQLiteStatement(database: self, handle: handle)
        statements[sql] = statement
        return statement
    }

    /// Runs SQL text without parameters, possibly several statements (schema scripts, pragmas).
    func execute(_ sql: String) throws {
        try check(sqlite3_exec(handle, sql, nil, nil, nil), sql)
    }

    /// Runs one statement with parameters to completion.
    /// - Returns: the number of rows it inserted, updated or deleted.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue]) throws -> Int {
        let statement = try prepare(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// Runs one query and maps each row.
    ///
    /// The statement is reset before returning, which ends its implicit read transaction: a connection
    /// left holding a half-read statement would keep seeing an old snapshot and block WAL checkpoints.
    func query<Row>(_ sql: String, _ values: [SQLiteValue], row: (any SQLRow) throws -> Row) throws -> [Row] {
        let statement = try prepare(sql)
        defer { statement.reset() }
        try statement.bind(values)
        var rows: [Row] = []
        while try statement.step() {
            rows.append(try row(statement))
        }
        return rows
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// Transactions do not nest; SQLite refuses a `BEGIN` inside one. `.immediate` takes the write lock at once, so
    /// two writers never deadlock upgrading read locks; `.deferred` is the only kind a read-only connection can start.
    @discardableResult
    func transaction<Result>(_ kind: SQLTransactionKind, _ body: () throws -> Result) throws -> Result {
        try execute(kind == .immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // The body's (or COMMIT's) error is the one worth reporting; a failed rollback means SQLite has
            // already rolled back by itself, which is the state we want.
            if sqlite3_get_autocommit(handle) == 0 {
                _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            }
            throw error
        }
    }

    // MARK: Pragmas

    /// `PRAGMA user_version`: the schema version the migrations record.
    func schemaVersion() throws -> Int {
        try query("PRAGMA user_version") { try $0.int(at: 0) }.first ?? 0
    }

    /// Sets `PRAGMA user_version` (transactional when run inside a transaction).
    func setSchemaVersion(_ version: Int) throws {
        // PRAGMA takes no parameters; `version` is an Int, so interpolation cannot inject SQL.
        try execute("PRAGMA user_version = \(version)")
    }

    /// SQLite's `data_version`: it changes when another connection commits (docs/ARCHITECTURE.md §4).
    func externalWriteCounter() throws -> Int64? {
        try query("PRAGMA data_version") { try $0.int64(at: 0) }.first
    }

    /// `PRAGMA journal_mode`, lowercased by SQLite (`wal`, `delete`, …).
    func journalMode() throws -> String {
        try query("PRAGMA journal_mode") { try $0.string(at: 0) }.first ?? ""
    }
}
