import Foundation
import StewardCore
import StewardModel

/// The controller's journal (`steward logs`): append-only with increasing ids, pruned by age and count.
extension SQLStateStore: JournalStore {
    private static let journalColumns = "id, time, level, message, project, server, action, fields"

    public func appendJournal(_ entries: [JournalEntry]) async throws {
        guard !entries.isEmpty else { return }
        let rows = try entries.map { entry in
            [
                SQLiteValue(entry.time), .text(entry.level.rawValue), .text(entry.message), SQLiteValue(entry.project),
                SQLiteValue(entry.server), SQLiteValue(entry.action), .text(try json(entry.fields)),
            ]
        }
        try await withDatabase { database in
            try database.transaction {
                for row in rows {
                    try database.run(
                        "INSERT INTO journal (time, level, message, project, server, action, fields) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        row)
                }
            }
        }
    }

    public func journal(after: Int64?, matching query: JournalQuery, limit: Int) async throws -> [JournalEntry] {
        try await readJournal(after: after, matching: query, limit: limit, newestFirst: false)
    }

    public func journalTail(matching query: JournalQuery, limit: Int) async throws -> [JournalEntry] {
        try await readJournal(after: nil, matching: query, limit: limit, newestFirst: true).reversed()
    }

    /// Up to `limit` matching lines above `after`, from the oldest or from the newest.
    private func readJournal(after: Int64?, matching query: JournalQuery, limit: Int, newestFirst: Bool) async throws -> [JournalEntry] {
        guard limit > 0 else { return [] }
        // One SQL text per combination of filters (a bounded set, as the statement cache needs).
        var conditions = ["id > ?"]
        var values: [SQLiteValue] = [.integer(after ?? 0)]
        if let project = query.project {
            conditions.append("project = ?")
            values.append(.text(project))
        }
        if let server = query.server {
            conditions.append("server = ?")
            values.append(.text(server))
        }
        if let since = query.since {
            conditions.append("time >= ?")
            values.append(SQLiteValue(since))
        }
        if let level = query.minimumLevel, level > .trace {
            // The level's position in the list: one SQL text per level, never a value spliced in.
            let names = level.andAbove.map(\.rawValue)
            conditions.append("level IN (\(names.map { _ in "?" }.joined(separator: ", ")))")
            values += names.map { .text($0) }
        }
        let sql = "SELECT \(Self.journalColumns) FROM journal WHERE \(conditions.joined(separator: " AND ")) "
            + "ORDER BY id\(newestFirst ? " DESC" : "") LIMIT ?"
        return try await withDatabase { database in
            try database.query(sql, values + [.integer(Int64(limit))]) { row in
                JournalEntry(
                    id: try row.int64(at: 0), time: try row.date(at: 1),
                    level: JournalEntry.Level(rawValue: try row.string(at: 2)) ?? .info, message: try row.string(at: 3),
                    project: try row.optionalString(at: 4), server: try row.optionalString(at: 5),
                    action: try row.optionalString(at: 6),
                    fields: try decodeJSON([String: String].self, from: row.string(at: 7), column: "fields", row: "journal line"))
            }
        }
    }

    @discardableResult
    public func pruneJournal(before: Date, keepingAtMost: Int) async throws -> Int {
        try await withDatabase { database in
            try database.transaction {
                let old = try database.run("DELETE FROM journal WHERE time < ?", [SQLiteValue(before)])
                // Ids only grow and only the oldest lines go, so the newest `keepingAtMost` are the ids above
                // max(id) - keepingAtMost: found through the primary key in O(log n), where `ORDER BY id DESC OFFSET n`
                // would read n rows on every pass.
                let surplus = try database.run(
                    "DELETE FROM journal WHERE id <= (SELECT max(id) FROM journal) - ?", [.integer(Int64(max(0, keepingAtMost)))])
                // The lease audit is kept as long as the journal lines it explains.
                try database.run("DELETE FROM lease_audit WHERE at < ?", [SQLiteValue(before)])
                return old + surplus
            }
        }
    }
}
