import CPostgres
import Foundation

/// One PostgreSQL connection (libpq's `PGconn`), the counterpart of `SQLiteDatabase` for a store on PostgreSQL
/// (docs/ARCHITECTURE.md §7): the same `run`, `query`, `execute` and `transaction`, with the same `?` placeholders
/// (rewritten to `$1`, `$2`, … once per SQL text) and the same values (`SQLiteValue`, dates as double precision
/// seconds since 2001, so both engines store the very same numbers).
///
/// Not `Sendable`: used by one thread at a time, as `SQLiteDatabase` is.
///
/// - The URL is libpq's own (`postgres://user:password@host:port/db?sslmode=require`): TLS, host, port, user,
///   database and every other libpq setting come from it. The password never appears in a message
///   (`redactedURL`).
/// - Every statement has a timeout (`statement_timeout`, 30 s unless set), so a stuck server fails a statement
///   instead of hanging the controller.
/// - A lost connection fails the statement that found it (never retried here: a write whose answer was lost may
///   have committed, and the caller's next reconcile decides again); the next statement reconnects first, backing
///   off from 100 ms to 2 s for up to `reconnectWithin`.
/// - `transaction(.immediate)` takes one advisory lock for the whole database first, so write transactions
///   follow each other as SQLite's `BEGIN IMMEDIATE` makes them: a read-then-write (a lease, a port) never races.
final class PostgresConnection: SQLConnection {
    /// The advisory lock key every write transaction takes ("Steward" in ASCII).
    static let writeLockKey: Int64 = 0x5374_6577_6172_64

    let redactedURL: String
    var dialect: SQLDialect { .postgres }
    var location: String { redactedURL }
    private let url: String
    private let readOnly: Bool
    private let statementTimeout: Duration
    private let reconnectWithin: Duration
    private var handle: OpaquePointer?
    private var inTransaction = false
    /// `?` placeholders rewritten to `$n`, by SQL text (a bounded set: no values are spliced into SQL).
    private var translated: [String: String] = [:]

    /// Connects.
    /// - Parameter readOnly: every transaction of the session is read-only (`default_transaction_read_only`), so a
    ///   write fails with SQLSTATE 25006, as a read-only SQLite file refuses one.
    /// - Throws: `StoreError` (`.postgres`) with libpq's reason and the redacted URL.
    init(
        url: String, readOnly: Bool = false, statementTimeout: Duration = .seconds(30), reconnectWithin: Duration = .seconds(30)
    ) throws {
        self.url = url
        self.readOnly = readOnly
        self.redactedURL = Self.redacted(url)
        self.statementTimeout = statementTimeout
        self.reconnectWithin = reconnectWithin
        handle = try connect()
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    private func connect() throws -> OpaquePointer {
        let timeoutMilliseconds = max(1, Int(statementTimeout.components.seconds * 1000)
            + Int(statementTimeout.components.attoseconds / 1_000_000_000_000_000))
        // Steward's defaults first, the URL last: what the URL says wins (expand_dbname applies it in order).
        let settings: [(String, String)] = [
            ("connect_timeout", "10"),
            ("application_name", "steward"),
            // client_min_messages: no NOTICE lines (`… already exists, skipping` of the migrations' IF NOT EXISTS) on
            // stderr, where libpq prints them, in every command's output.
            ("options", "-c statement_timeout=\(timeoutMilliseconds) -c client_min_messages=warning"
                + (readOnly ? " -c default_transaction_read_only=on" : "")),
            ("dbname", url),
        ]
        let keywords = settings.map { strdup($0.0) }
        let values = settings.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        guard let connection = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
            throw StoreError(.postgres, "cannot connect to \(redactedURL): out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.trimmed(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError(.postgres, "cannot connect to PostgreSQL at \(redactedURL): \(reason)")
        }
        return connection
    }

    /// The connection to use now: reconnects (with backoff) when the last statement found it lost.
    private func liveHandle() throws -> OpaquePointer {
        if let handle, PQstatus(handle) == CONNECTION_OK { return handle }
        if let handle { PQfinish(handle) }
        handle = nil
        let clock = ContinuousClock()
        let deadline = clock.now + reconnectWithin
        var delay = Duration.milliseconds(100)
        while true {
            do {
                let connection = try connect()
                handle = connection
                return connection
            } catch {
                guard clock.now + delay < deadline else { throw error }
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }

    /// The server process of this connection (for tests and logs).
    var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    // MARK: Statements

    /// Runs SQL text without parameters, possibly several statements (schema scripts).
    func execute(_ sql: String) throws {
        let connection = try liveHandle()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result, connection, sql)
    }

    /// Runs one statement with parameters to completion.
    /// - Returns: the number of rows it inserted, updated or deleted.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue]) throws -> Int {
        let result = try perform(sql, values)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs one query and maps each row.
    func query<Row>(_ sql: String, _ values: [SQLiteValue], row: (any SQLRow) throws -> Row) throws -> [Row] {
        let result = try perform(sql, values)
        defer { PQclear(result) }
        var rows: [Row] = []
        let count = PQntuples(result)
        rows.reserveCapacity(Int(count))
        for index in 0..<count {
            rows.append(try row(PostgresRow(result: result!, row: index, sql: sql)))
        }
        return rows
    }

    /// Executes one parameterised statement; the caller clears the result.
    private func perform(_ sql: String, _ values: [SQLiteValue]) throws -> OpaquePointer? {
        let connection = try liveHandle()
        let text = placeholders(sql)
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var types: [UInt32] = []
        defer { buffers.forEach { free($0) } }
        for value in values {
            switch value {
            case .null:
                buffers.append(nil); lengths.append(0); formats.append(0); types.append(0)
            case .integer(let number):
                buffers.append(strdup(String(number))); lengths.append(0); formats.append(0); types.append(20)  // int8
            case .real(let number):
                buffers.append(strdup(Self.text(of: number))); lengths.append(0); formats.append(0); types.append(701)  // float8
            case .text(let string):
                guard !string.utf8.contains(0) else {
                    throw StoreError(.invalidArgument, "PostgreSQL text cannot hold a NUL character; while \(sql)")
                }
                buffers.append(strdup(string)); lengths.append(0); formats.append(0); types.append(0)
            case .blob(let data):
                // Binary format: the bytes as they are (bytea).
                let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: max(1, data.count))
                data.withUnsafeBytes { bytes in
                    if let base = bytes.baseAddress { buffer.update(from: base.assumingMemoryBound(to: CChar.self), count: data.count) }
                }
                buffers.append(buffer); lengths.append(Int32(data.count)); formats.append(1); types.append(17)  // bytea
            }
        }
        let pointers = buffers.map { UnsafePointer($0) }
        let result = PQexecParams(connection, text, Int32(values.count), types, pointers, lengths, formats, 0)
        do {
            try check(result, connection, sql)
        } catch {
            PQclear(result)
            throw error
        }
        return result
    }

    /// `sql` with each `?` outside string literals, quoted identifiers and comments replaced by `$1`, `$2`, ….
    private func placeholders(_ sql: String) -> String {
        if let text = translated[sql] { return text }
        let text = Self.numberingPlaceholders(sql)
        translated[sql] = text
        return text
    }

    static func numberingPlaceholders(_ sql: String) -> String {
        var output = ""
        output.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        var lineComment = false
        var previous: Character = " "
        let characters = Array(sql)
        for (index, character) in characters.enumerated() {
            defer { previous = character }
            if lineComment {
                output.append(character)
                if character == "\n" { lineComment = false }
                continue
            }
            if let open = quote {
                output.append(character)
                if character == open { quote = nil }  // '' inside a literal closes and reopens: same result
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                output.append(character)
            case "-" where previous == "-":
                lineComment = true
                output.append(character)
            case "?" where index + 1 < characters.count && characters[index + 1].isASCII && characters[index + 1].isNumber:
                output.append("$")  // SQLite's ?NNN names its parameter: PostgreSQL's $NNN (the digits follow)
            case "?":
                number += 1
                output.append("$\(number)")
            default:
                output.append(character)
            }
        }
        return output
    }

    /// A double as PostgreSQL reads it back bit for bit (Swift prints the shortest text that round-trips).
    static func text(of number: Double) -> String {
        if number.isNaN { return "NaN" }
        if number.isInfinite { return number > 0 ? "Infinity" : "-Infinity" }
        return "\(number)"
    }

    // MARK: Transactions

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Transactions do not nest.
    @discardableResult
    /// `.immediate` waits for the store-wide write lock (`pg_advisory_xact_lock`) first, as SQLite's `BEGIN IMMEDIATE`;
    /// `.deferred` reads one snapshot (`REPEATABLE READ`) without a lock.
    func transaction<Result>(_ kind: SQLTransactionKind, _ body: () throws -> Result) throws -> Result {
        guard !inTransaction else {
            throw StoreError(.invalidArgument, "a PostgreSQL transaction was begun inside another on \(redactedURL)")
        }
        switch kind {
        case .immediate:
            try execute("BEGIN")
            inTransaction = true
            do {
                _ = try query("SELECT pg_advisory_xact_lock(?)", [.integer(Self.writeLockKey)]) { _ in () }
            } catch {
                rollback()
                throw error
            }
        case .deferred:
            try execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            inTransaction = true
        }
        do {
            let result = try body()
            try execute("COMMIT")
            inTransaction = false
            return result
        } catch {
            rollback()
            throw error
        }
    }

    // MARK: Schema version

    /// The version in `schema_version` (one row), 0 while the table does not exist.
    func schemaVersion() throws -> Int {
        let exists = try query("SELECT to_regclass('schema_version') IS NOT NULL") { try $0.bool(at: 0) }.first ?? false
        guard exists else { return 0 }
        return try query("SELECT version FROM schema_version WHERE id = 1") { try $0.int(at: 0) }.first ?? 0
    }

    func setSchemaVersion(_ version: Int) throws {
        try execute("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)")
        try run(
            "INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version",
            [.integer(Int64(version))]
        )
    }

    /// PostgreSQL has no cheap counter of other sessions' commits: nil, so callers assume something changed.
    func externalWriteCounter() throws -> Int64? { nil }

    /// Ends a failed transaction; a lost connection has ended it already.
    private func rollback() {
        inTransaction = false
        guard let handle, PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        PQclear(PQexec(handle, "ROLLBACK"))
    }

    // MARK: Errors

    /// Throws for a result that is not a success, with the server's message and SQLSTATE, or libpq's when the
    /// connection failed (the next statement then reconnects).
    private func check(_ result: OpaquePointer?, _ connection: OpaquePointer, _ operation: String) throws {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
        default:
            let state = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
            let message = result.map { Self.trimmed(PQresultErrorMessage($0)) } ?? ""
            let reason = message.isEmpty ? Self.trimmed(PQerrorMessage(connection)) : message
            if PQstatus(connection) != CONNECTION_OK {
                throw StoreError(.postgres, "lost the connection to PostgreSQL at \(redactedURL): \(reason); while \(operation)",
                    sqlState: state)
            }
            throw StoreError(.postgres, "PostgreSQL error \(state ?? "?") at \(redactedURL): \(reason); while \(operation)",
                sqlState: state)
        }
    }

    private static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " ")
    }

    /// `url` without its password (`postgres://steward:***@host/db`, `password=***` in the query).
    static func redacted(_ url: String) -> String {
        var text = url
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") {
            let userInfo = text[scheme.upperBound..<at]
            if let colon = userInfo.firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "***")
            }
        }
        if let range = text.range(of: #"(?i)([?&]password=)[^&]*"#, options: .regularExpression) {
            let key = text[range].prefix { $0 != "=" }
            text.replaceSubrange(range, with: key + "=***")
        }
        return text
    }
}

/// One row of a PostgreSQL result (text format), read as `SQLRow`.
struct PostgresRow: SQLRow {
    let result: OpaquePointer
    let row: Int32
    let sql: String

    func isNull(at index: Int32) -> Bool { PQgetisnull(result, row, index) == 1 }

    private func text(at index: Int32) throws -> String {
        try requireValue(at: index)
        return String(cString: PQgetvalue(result, row, index))
    }

    func int64(at index: Int32) throws -> Int64 {
        let text = try text(at: index)
        if let number = Int64(text) { return number }
        // A boolean column reads as 0 or 1, as SQLite's integers do.
        if text == "t" { return 1 }
        if text == "f" { return 0 }
        throw StoreError(.corruptData, "\(text.debugDescription) is not an integer in \(describe(column: index))")
    }

    func double(at index: Int32) throws -> Double {
        let text = try text(at: index)
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let number = Double(text) else {
                throw StoreError(.corruptData, "\(text.debugDescription) is not a number in \(describe(column: index))")
            }
            return number
        }
    }

    func string(at index: Int32) throws -> String { try text(at: index) }

    /// A bytea column, sent by the server in its hex text form (`\x0a1b…`).
    func data(at index: Int32) throws -> Data {
        try requireValue(at: index)
        var length = 0
        guard let bytes = PQunescapeBytea(PQgetvalue(result, row, index), &length) else {
            throw StoreError(.corruptData, "cannot decode the bytea in \(describe(column: index))")
        }
        defer { PQfreemem(bytes) }
        return Data(bytes: bytes, count: length)
    }

    /// By the column's type: int2/int4/int8 (OIDs 21, 23, 20) and bool (16) as integers, float4/float8 (700, 701) as
    /// reals, bytea (17) as a blob, anything else as text.
    func sqlValue(at index: Int32) throws -> SQLiteValue {
        guard !isNull(at: index) else { return .null }
        switch PQftype(result, index) {
        case 16, 20, 21, 23: return .integer(try int64(at: index))
        case 700, 701: return .real(try double(at: index))
        case 17: return .blob(try data(at: index))
        default: return .text(try string(at: index))
        }
    }

    func describe(column index: Int32) -> String {
        let name = PQfname(result, index).map { String(cString: $0) } ?? "\(index)"
        return "column \(name); \(sql)"
    }
}
