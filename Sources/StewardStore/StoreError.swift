import CSQLite

/// A failure of Steward's state store: what happened, where, and what to do about it.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure, for callers that react to some of them (extensible: match with `==`).
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case sqlite
            case postgres
            case schemaTooNew
            case schemaOutdated
            case portRangeExhausted
            case notFound
            case invalidArgument
            case corruptData
            case stateDirectory
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// SQLite returned an error code; `StoreError.sqliteCode` holds it.
        public static let sqlite = Kind(.sqlite)
        /// PostgreSQL (or libpq) reported a failure; `StoreError.sqlState` holds the server's SQLSTATE when it
        /// answered, nil when the connection itself failed.
        public static let postgres = Kind(.postgres)
        /// The database was written by a newer Steward whose schema this one does not know.
        public static let schemaTooNew = Kind(.schemaTooNew)
        /// A read-only store found a database that still needs migrations.
        public static let schemaOutdated = Kind(.schemaOutdated)
        /// Every port of the requested range is allocated on that server.
        public static let portRangeExhausted = Kind(.portRangeExhausted)
        /// The record to update does not exist.
        public static let notFound = Kind(.notFound)
        /// The caller passed a value the store cannot record (a run without id, an empty port range).
        public static let invalidArgument = Kind(.invalidArgument)
        /// A stored value could not be decoded (unknown enum value, malformed JSON).
        public static let corruptData = Kind(.corruptData)
        /// The state directory could not be created.
        public static let stateDirectory = Kind(.stateDirectory)

        public var description: String { base.rawValue }
    }

    public let kind: Kind
    /// SQLite's extended result code, when SQLite reported the failure.
    public let sqliteCode: Int32?
    /// PostgreSQL's SQLSTATE ("23505": a unique violation), when the server reported the failure.
    public let sqlState: String?
    /// The full explanation, as printed.
    public let message: String

    init(_ kind: Kind, _ message: String, sqliteCode: Int32? = nil, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqliteCode = sqliteCode
        self.sqlState = sqlState
    }

    public var description: String { message }

    /// An error SQLite reported, with its own message and the SQL or operation that failed.
    static func sqlite(code: Int32, message: String, operation: String, path: String) -> StoreError {
        let name = String(cString: sqlite3_errstr(code))
        return StoreError(
            .sqlite, "SQLite error \(code) (\(name)) in \(path): \(message); while \(operation)", sqliteCode: code
        )
    }
}
