import Foundation
import StewardModel

/// The event journal (`kubectl get events`): append-only, read newest-last.
extension SQLStateStore {
    private static let eventColumns = "id, time, object_kind, object_name, type, reason, message"

    /// Appends `events` in one transaction. Their `id`s are ignored; the store assigns them.
    public func append(events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await withDatabase { database in
            try database.transaction { try insert(events, into: database) }
        }
    }

    /// The newest `limit` events, oldest first, of one object kind and name; a nil filter matches all.
    ///
    /// Order is by event time, then by insertion (id) among equal times.
    public func events(objectKind: String?, objectName: String?, limit: Int) async throws -> [EventRecord] {
        guard limit > 0 else { return [] }
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        // One SQL text per filter combination: `(? IS NULL OR object_kind = ?)` would keep SQLite off the index.
        if let objectKind {
            conditions.append("object_kind = ?")
            values.append(.text(objectKind))
        }
        if let objectName {
            conditions.append("object_name = ?")
            values.append(.text(objectName))
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.eventColumns) FROM events\(filter) ORDER BY time DESC, id DESC LIMIT ?"
        let newestFirst = try await withDatabase { database in
            try database.query(sql, values + [.integer(Int64(limit))], row: event(from:))
        }
        return newestFirst.reversed()
    }

    public func events(after: Int64?, objectKind: String?, objectName: String?, since: Date?, limit: Int) async throws -> [EventRecord] {
        guard limit > 0 else { return [] }
        var conditions = ["id > ?"]
        var values: [SQLiteValue] = [.integer(after ?? 0)]
        if let objectKind {
            conditions.append("object_kind = ?")
            values.append(.text(objectKind))
        }
        if let objectName {
            conditions.append("object_name = ?")
            values.append(.text(objectName))
        }
        if let since {
            conditions.append("time >= ?")
            values.append(SQLiteValue(since))
        }
        let sql = "SELECT \(Self.eventColumns) FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY id LIMIT ?"
        return try await withDatabase { database in
            try database.query(sql, values + [.integer(Int64(limit))], row: event(from:))
        }
    }

    /// Inserts events inside the caller's transaction.
    func insert(_ events: [EventRecord], into database: any SQLConnection) throws {
        for event in events {
            try database.run(
                "INSERT INTO events (time, object_kind, object_name, type, reason, message) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    SQLiteValue(event.time), .text(event.objectKind), .text(event.objectName), SQLiteValue(event.type),
                    .text(event.reason), .text(event.message),
                ]
            )
        }
    }

    private func event(from row: any SQLRow) throws -> EventRecord {
        EventRecord(
            id: try row.int64(at: 0),
            time: try row.date(at: 1),
            objectKind: try row.string(at: 2),
            objectName: try row.string(at: 3),
            type: try row.value(EventRecord.EventType.self, at: 4),
            reason: try row.string(at: 5),
            message: try row.string(at: 6)
        )
    }
}
