import Foundation

/// `steward store migrate --from sqlite:DIR --to postgres://…` (docs/ARCHITECTURE.md §7): copies every row of a state
/// directory's SQLite store into a PostgreSQL store, in one PostgreSQL transaction.
///
/// - The source is brought to the newest schema first (as any command opening it would), then read from one snapshot.
///   It is refused while a process holds a live lease on it (a controller or a one-shot command is acting: the copy
///   would miss what it writes next).
/// - The destination is created or migrated to the newest schema, then the rows are inserted with
///   `ON CONFLICT DO NOTHING`: a row whose key is there already is kept as it is, so running the copy again changes
///   nothing (idempotent). Triggers are off during the copy (the outbox already holds the messages its triggers
///   wrote), and identity sequences continue after the largest copied id.
/// - At the end every table must hold exactly as many rows as in the source; otherwise (the destination held other
///   state) nothing is committed and the error names the tables.
public enum StoreCopy {
    /// Every table of the schema, parents before the tables that reference them.
    static let tables = [
        "projects", "servers", "events", "runs", "run_tasks", "reconciles", "manifest_cache", "allocations",
        "forge_pages", "forge_sync", "incidents", "secrets", "server_sync_state", "health_checks", "health_checker",
        "graph_checkpoints", "graph_effects", "graph_leases", "secret_key", "journal", "leases", "webhook_deliveries",
        "outbox", "notification_deliveries", "suspensions", "drift", "pins", "lease_audit", "key_requests",
    ]

    /// Tables whose `id` the database generates: their sequences continue after the copied ids.
    static let identityTables = [
        "events", "runs", "reconciles", "incidents", "journal", "webhook_deliveries", "outbox", "lease_audit",
    ]

    /// Rows per INSERT statement.
    static let batchSize = 200

    /// One table's numbers.
    public struct Table: Sendable, Hashable {
        public let name: String
        /// Rows in the source.
        public let source: Int
        /// Rows this copy inserted (the rest were there already).
        public let copied: Int
        /// Rows in the destination after the copy.
        public let destination: Int
    }

    /// Copies `source` (a SQLite store) into `destination` (a PostgreSQL store).
    /// - Parameter now: when a lease counts as live.
    /// - Returns: every table's counts, all equal between source and destination.
    /// - Throws: `StoreError`: `.invalidArgument` for a source that is not SQLite or holds no database, a destination
    ///   that is not PostgreSQL, or a source in use; `.corruptData` when the counts differ (nothing committed);
    ///   the engines' own errors otherwise.
    public static func copy(from source: StoreLocation, to destination: StoreLocation, now: Date = Date()) throws -> [Table] {
        guard case .sqlite(let directory) = source else {
            throw StoreError(.invalidArgument, "--from must be sqlite:DIR (a state directory), not \(source)")
        }
        guard case .postgres(let url) = destination else {
            throw StoreError(.invalidArgument, "--to must be postgres://USER@HOST:PORT/DATABASE, not \(destination)")
        }
        let file = directory.appendingPathComponent(SQLStateStore.fileName)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw StoreError(.invalidArgument, "no Steward database in \(directory.path) (\(file.lastPathComponent) is missing)")
        }
        // Opening each store applies its migrations: the source's newest schema is the one the destination gets.
        _ = try SQLStateStore(source)
        _ = try SQLStateStore(destination)
        let reader = try SQLiteDatabase(path: file.path, mode: .readOnly)
        let writer = try PostgresConnection(url: url)
        return try reader.transaction(.deferred) {
            try refuseLiveLeases(in: reader, at: now)
            return try writer.transaction(.immediate) {
                try copyTables(from: reader, to: writer)
            }
        }
    }

    private static func refuseLiveLeases(in reader: SQLiteDatabase, at now: Date) throws {
        let live = try reader.query(
            "SELECT key, holder FROM leases WHERE expires_at > ? ORDER BY key", [SQLiteValue(now)]
        ) { "\(try $0.string(at: 0)) (\(try $0.string(at: 1)))" }
        guard live.isEmpty else {
            throw StoreError(.invalidArgument, "\(reader.path) is in use: \(live.joined(separator: ", ")) hold leases on it; "
                + "stop every steward process on that state directory first, so the copy misses nothing")
        }
    }

    private static func copyTables(from reader: SQLiteDatabase, to writer: PostgresConnection) throws -> [Table] {
        var report: [Table] = []
        for table in tables {
            try writer.execute("ALTER TABLE \(table) DISABLE TRIGGER USER")
            let columns = try reader.query("SELECT name FROM pragma_table_info(?) ORDER BY cid", [.text(table)]) {
                try $0.string(at: 0)
            }
            let count = Int32(columns.count)
            var batch: [SQLiteValue] = []
            var copied = 0
            func flush() throws {
                guard !batch.isEmpty else { return }
                let rows = batch.count / columns.count
                let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
                copied += try writer.run(
                    "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                        + Array(repeating: row, count: rows).joined(separator: ", ") + " ON CONFLICT DO NOTHING",
                    batch)
                batch.removeAll(keepingCapacity: true)
            }
            let sourceRows = try reader.query("SELECT \(columns.joined(separator: ", ")) FROM \(table)", []) { row in
                for index in 0..<count { batch.append(try row.sqlValue(at: index)) }
                if batch.count >= batchSize * columns.count { try flush() }
            }.count
            try flush()
            try writer.execute("ALTER TABLE \(table) ENABLE TRIGGER USER")
            let destinationRows = try writer.query("SELECT count(*) FROM \(table)", []) { try $0.int(at: 0) }.first ?? 0
            report.append(Table(name: table, source: sourceRows, copied: copied, destination: destinationRows))
        }
        for table in identityTables {
            _ = try writer.query(
                "SELECT setval(pg_get_serial_sequence('\(table)', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM \(table)), false)",
                []) { _ in () }
        }
        _ = try writer.query(
            "SELECT setval('projects_row_version', (SELECT coalesce(max(row_version), 0) + 1 FROM projects), false)", []
        ) { _ in () }
        let differing = report.filter { $0.source != $0.destination }
        guard differing.isEmpty else {
            throw StoreError(.corruptData, "the copy was not committed: \(writer.location) holds other rows than "
                + "\(reader.path) (" + differing.map { "\($0.name): \($0.destination) rows, \($0.source) in the source" }
                    .joined(separator: "; ")
                + "); copy into an empty database, or into one an earlier copy of this same state filled")
        }
        return report
    }
}
