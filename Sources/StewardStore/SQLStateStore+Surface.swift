import Foundation
import StewardCore

/// The HTTP surface's reads and its webhook deliveries (docs/ARCHITECTURE.md §10).
extension SQLStateStore: SurfaceStore {
    public func objectCounts() async throws -> ObjectCounts {
        try await withDatabase { database in
            var counts = ObjectCounts()
            for (phase, count) in try database.query("SELECT phase, count(*) FROM projects GROUP BY phase", [], row: {
                (try $0.string(at: 0), try $0.int(at: 1))
            }) {
                counts.projectsByPhase[phase] = count
            }
            for (status, count) in try database.query("SELECT status, count(*) FROM servers GROUP BY status", [], row: {
                (try $0.string(at: 0), try $0.int(at: 1))
            }) {
                counts.serversByStatus[status] = count
            }
            let incidents = try database.query(
                "SELECT kind, severity, count(*) FROM incidents WHERE status IN ('detected', 'recovering') GROUP BY kind, severity",
                [], row: { (try $0.string(at: 0), try $0.string(at: 1), try $0.int(at: 2)) })
            for (kind, severity, count) in incidents {
                counts.openIncidents[ObjectCounts.IncidentKey(type: kind, severity: severity)] = count
            }
            // As the Drifted condition says: a deploy after the check wrote the server back.
            counts.driftedProjects = try database.query(
                """
                SELECT count(*) FROM drift JOIN projects ON projects.name = drift.project
                WHERE drift.status = 'drifted' AND coalesce(projects.last_deployed_at, -1e18) <= drift.checked_at
                """, [], row: { try $0.int(at: 0) }).first ?? 0
            return counts
        }
    }

    public func rememberDelivery(_ id: String, event: String, at time: Date, keep: Int) async throws -> Bool {
        try await withDatabase { database in
            try database.transaction {
                let inserted = try database.run(
                    "INSERT INTO webhook_deliveries (delivery, event, received_at) VALUES (?, ?, ?) ON CONFLICT (delivery) DO NOTHING",
                    [.text(id), .text(event), SQLiteValue(time)])
                guard inserted > 0 else { return false }
                // Bounded through the primary key, as the journal is.
                try database.run(
                    "DELETE FROM webhook_deliveries WHERE id <= (SELECT max(id) FROM webhook_deliveries) - ?",
                    [.integer(Int64(keep))])
                return true
            }
        }
    }
}
