import Foundation
import StewardCore
import StewardModel

/// `steward rollback --no-commit` (docs/ARCHITECTURE.md §11): the `pins` table, and the `Pinned` condition of the
/// project it names, kept in line by every write of either.
extension SQLStateStore {
    public func pins() async throws -> [Pin] {
        try await withDatabase { database in
            try database.query("SELECT project, commit_id, spec_hash, reason, since FROM pins ORDER BY project", row: Self.pin(from:))
        }
    }

    public func pin(project: String) async throws -> Pin? {
        try await withDatabase { database in try Self.pin(project, in: database) }
    }

    public func setPin(project: String, _ pin: Pin?, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                let rows = try database.query("SELECT conditions, spec_hash FROM projects WHERE name = ?", [.text(project)]) { row in
                    (try row.optionalString(at: 0), try row.optionalString(at: 1))
                }
                guard let (conditionsJSON, specHash) = rows.first else {
                    throw StoreError(.notFound, "no project named \(project) in the state")
                }
                if let pin {
                    try database.run(
                        """
                        INSERT INTO pins (project, commit_id, spec_hash, reason, since) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (project) DO UPDATE SET commit_id = excluded.commit_id, spec_hash = excluded.spec_hash,
                            reason = excluded.reason, since = excluded.since
                        """,
                        [.text(project), .text(pin.commit), .text(pin.specHash), .text(pin.reason), SQLiteValue(pin.since)])
                } else {
                    try database.run("DELETE FROM pins WHERE project = ?", [.text(project)])
                }
                var conditions = try conditionsJSON.map {
                    try decodeJSON([Condition].self, from: $0, column: "conditions", row: "project \(project.debugDescription)")
                } ?? []
                conditions.applyPin(pin, specHash: specHash)
                try database.run("UPDATE projects SET conditions = ? WHERE name = ?", [.text(try json(conditions)), .text(project)])
                try insert(events, into: database)
            }
        }
    }

    /// The pin of one project, inside the caller's transaction.
    static func pin(_ project: String, in database: any SQLConnection) throws -> Pin? {
        try database.query(
            "SELECT project, commit_id, spec_hash, reason, since FROM pins WHERE project = ?", [.text(project)], row: pin(from:)
        ).first
    }

    private static func pin(from row: any SQLRow) throws -> Pin {
        Pin(project: try row.string(at: 0), commit: try row.string(at: 1), specHash: try row.string(at: 2),
            reason: try row.string(at: 3), since: try row.date(at: 4))
    }
}
