import Foundation
import StewardCore
import StewardModel

extension SQLStateStore: IncidentStatusStore {
    public func setIncident(
        id: Int64, status: IncidentRecord.Status, message: String, at time: Date, events: [EventRecord]
    ) async throws -> IncidentRecord? {
        try await withDatabase { database in
            try database.transaction {
                guard var incident = try database.query(
                    "SELECT \(Self.incidentColumns) FROM incidents WHERE id = ?", [.integer(id)], row: incident(from:)).first
                else { return nil }
                incident.status = status
                incident.message = message
                incident.updatedAt = time
                incident.resolvedAt = status.isOpen ? nil : time
                _ = try database.run(
                    "UPDATE incidents SET status = ?, message = ?, updated_at = ?, resolved_at = ? WHERE id = ?",
                    [SQLiteValue(incident.status), .text(incident.message), SQLiteValue(incident.updatedAt),
                     SQLiteValue(incident.resolvedAt), .integer(id)])
                try insert(events, into: database)
                return incident
            }
        }
    }
}
