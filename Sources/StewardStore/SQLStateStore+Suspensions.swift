import Foundation
import StewardCore
import StewardModel

/// `steward suspend` / `resume` (docs/ARCHITECTURE.md §7): the `suspensions` table, and the `Suspended` condition of the
/// object it names, kept in line by every write of either.
extension SQLStateStore {
    public func suspensions() async throws -> [Suspension] {
        try await withDatabase { database in
            try database.query("SELECT object_kind, object_name, reason, since FROM suspensions ORDER BY object_kind, object_name") { row in
                Suspension(objectKind: try row.string(at: 0), objectName: try row.string(at: 1), reason: try row.string(at: 2),
                    since: try row.date(at: 3))
            }
        }
    }

    @discardableResult
    public func setSuspension(
        objectKind: String, objectName: String, reason: String?, at time: Date, events: [EventRecord]
    ) async throws -> Bool {
        let table: String
        switch objectKind {
        case "Project": table = "projects"
        case "Server": table = "servers"
        default: throw StoreError(.invalidArgument, "only a Project or a Server is suspended, not a \(objectKind)")
        }
        return try await withDatabase { database in
            try database.transaction {
                let rows = try database.query("SELECT conditions\(table == "projects" ? ", spec" : "") FROM \(table) WHERE name = ?",
                    [.text(objectName)]) { row in
                    (try row.optionalString(at: 0), table == "projects" ? try row.optionalString(at: 1) : nil)
                }
                guard let (conditionsJSON, specJSON) = rows.first else {
                    throw StoreError(.notFound, "no \(objectKind.lowercased()) named \(objectName) in the state")
                }
                let existing = try Self.suspension(objectKind, objectName, in: database)
                if existing?.reason == reason || (existing == nil && reason == nil) { return false }
                let suspension = reason.map {
                    Suspension(objectKind: objectKind, objectName: objectName, reason: $0, since: existing?.since ?? time)
                }
                if let suspension {
                    try database.run(
                        "INSERT INTO suspensions (object_kind, object_name, reason, since) VALUES (?, ?, ?, ?) "
                            + "ON CONFLICT (object_kind, object_name) DO UPDATE SET reason = excluded.reason",
                        [.text(objectKind), .text(objectName), .text(suspension.reason), SQLiteValue(suspension.since)])
                } else {
                    try database.run("DELETE FROM suspensions WHERE object_kind = ? AND object_name = ?", [.text(objectKind), .text(objectName)])
                }
                let described = "\(objectKind.lowercased()) \(objectName.debugDescription)"
                var conditions = try conditionsJSON.map { try decodeJSON([Condition].self, from: $0, column: "conditions", row: described) } ?? []
                let spec = try specJSON.map { try decodeJSON(ProjectSpec.self, from: $0, column: "spec", row: described) }
                conditions.applySuspension(suspension, inManifest: spec?.suspend ?? false, at: time)
                try database.run("UPDATE \(table) SET conditions = ? WHERE name = ?", [.text(try json(conditions)), .text(objectName)])
                try insert(events, into: database)
                return true
            }
        }
    }

    /// The suspension of one object, inside the caller's transaction.
    static func suspension(_ kind: String, _ name: String, in database: any SQLConnection) throws -> Suspension? {
        try database.query(
            "SELECT reason, since FROM suspensions WHERE object_kind = ? AND object_name = ?", [.text(kind), .text(name)]
        ) { row in
            Suspension(objectKind: kind, objectName: name, reason: try row.string(at: 0), since: try row.date(at: 1))
        }.first
    }
}
