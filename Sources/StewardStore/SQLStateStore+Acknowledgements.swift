import Foundation
import StewardCore
import StewardModel

/// `incidents.acknowledged_at` (migration 9): which incidents the PO has already reported.
extension SQLStateStore: IncidentAcknowledgementStore {
    public func unacknowledgedIncidents() async throws -> [IncidentRecord] {
        try await withDatabase { database in
            try database.query(
                "SELECT \(Self.incidentColumns) FROM incidents WHERE acknowledged_at IS NULL ORDER BY id",
                row: incident(from:))
        }
    }

    public func acknowledgeIncidents(ids: [Int64], at time: Date) async throws {
        guard !ids.isEmpty else { return }
        try await withDatabase { database in
            try database.transaction {
                for id in ids {
                    _ = try database.run(
                        "UPDATE incidents SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
                        [SQLiteValue(time), .integer(id)])
                }
            }
        }
    }
}
