/// The SQL engine behind a store (docs/ARCHITECTURE.md §7).
public enum SQLDialect: String, Sendable, Hashable, CaseIterable {
    /// One file in the state directory: the embedded default.
    case sqlite
    /// A PostgreSQL server shared by several replicas.
    case postgres
}

/// How a transaction starts, on either engine.
enum SQLTransactionKind: Sendable {
    /// Writes: waits for the store-wide write lock first (SQLite's `BEGIN IMMEDIATE`; on PostgreSQL an advisory
    /// lock), so a read-then-write (a lease, a port) never races another writer.
    case immediate
    /// Several reads from one consistent snapshot, no lock.
    case deferred
}

/// One connection to the store's database, as the store's SQL uses it: `SQLiteDatabase` and `PostgresConnection`.
///
/// The store writes SQL both engines run unchanged (`?` placeholders, `ON CONFLICT … DO UPDATE SET x = excluded.x`,
/// `INSERT … RETURNING id`, `coalesce`, partial indexes); what differs lives behind this protocol (the schema
/// version, noticing other processes' writes) or in the schema scripts of each dialect.
///
/// Not `Sendable`: a connection is used by one thread at a time; the store serializes access.
protocol SQLConnection: AnyObject {
    var dialect: SQLDialect { get }
    /// Where the database is, for messages: a file path, or a URL without its password.
    var location: String { get }

    /// Runs SQL text without parameters, possibly several statements (schema scripts).
    func execute(_ sql: String) throws
    /// Runs one statement with parameters to completion.
    /// - Returns: the number of rows it inserted, updated or deleted.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue]) throws -> Int
    /// Runs one query and maps each row.
    func query<Row>(_ sql: String, _ values: [SQLiteValue], row: (any SQLRow) throws -> Row) throws -> [Row]
    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Transactions do not nest.
    @discardableResult
    func transaction<Result>(_ kind: SQLTransactionKind, _ body: () throws -> Result) throws -> Result

    /// The number of schema migrations applied (SQLite's `user_version`; a one-row table on PostgreSQL).
    func schemaVersion() throws -> Int
    /// Records the schema version, inside the migration's transaction.
    func setSchemaVersion(_ version: Int) throws
    /// A number that changes when another connection commits a write, or nil when the engine cannot tell (then
    /// every caller must assume that something changed).
    func externalWriteCounter() throws -> Int64?
}

extension SQLConnection {
    @discardableResult
    func run(_ sql: String) throws -> Int { try run(sql, []) }

    func query<Row>(_ sql: String, row: (any SQLRow) throws -> Row) throws -> [Row] { try query(sql, [], row: row) }

    /// A write transaction (`.immediate`).
    @discardableResult
    func transaction<Result>(_ body: () throws -> Result) throws -> Result { try transaction(.immediate, body) }

    /// Inserts one row and returns its generated `id` (`INSERT … RETURNING id`, which both engines run).
    func insertReturningID(_ sql: String, _ values: [SQLiteValue]) throws -> Int64 {
        guard let id = try query(sql + " RETURNING id", values, row: { try $0.int64(at: 0) }).first else {
            throw StoreError(.corruptData, "no id came back from \(sql) in \(location)")
        }
        return id
    }
}
