import Foundation
import StewardCore
import StewardModel

/// `steward drift` (docs/ARCHITECTURE.md §11): the `drift` table, one row per checked project, and the `Drifted`
/// condition of the project it names, kept in line by every write of either.
extension SQLStateStore {
    private static let driftColumns = "project, status, checked_at, commit_id, input_hash, run_id, tasks, message, since"

    public func drifts() async throws -> [DriftRecord] {
        try await withDatabase { database in
            try database.query("SELECT \(Self.driftColumns) FROM drift ORDER BY project", row: drift(from:))
        }
    }

    public func drift(project: String) async throws -> DriftRecord? {
        try await withDatabase { database in try Self.drift(project, in: database, decoder: self) }
    }

    public func record(drift: DriftRecord, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                let rows = try database.query(
                    "SELECT conditions, last_deployed_at FROM projects WHERE name = ?", [.text(drift.project)]
                ) { row in (try row.optionalString(at: 0), try row.optionalDate(at: 1)) }
                guard let (conditionsJSON, lastDeployedAt) = rows.first else { return }
                var drift = drift
                if drift.status == .drifted {
                    let previous = try Self.drift(drift.project, in: database, decoder: self)
                    drift.since = previous?.status == .drifted ? previous?.since ?? previous?.checkedAt : drift.checkedAt
                } else {
                    drift.since = nil
                }
                try database.run(
                    """
                    INSERT INTO drift (\(Self.driftColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (project) DO UPDATE SET status = excluded.status, checked_at = excluded.checked_at,
                        commit_id = excluded.commit_id, input_hash = excluded.input_hash, run_id = excluded.run_id,
                        tasks = excluded.tasks, message = excluded.message, since = excluded.since
                    """,
                    [.text(drift.project), .text(drift.status.rawValue), SQLiteValue(drift.checkedAt), .text(drift.commit),
                     .text(drift.inputHash), SQLiteValue(drift.runID), .text(try json(drift.tasks)), .text(drift.message),
                     SQLiteValue(drift.since)])
                let described = "project \(drift.project.debugDescription)"
                var conditions = try conditionsJSON.map { try decodeJSON([Condition].self, from: $0, column: "conditions", row: described) } ?? []
                conditions.applyDrift(drift, project: drift.project, lastDeployedAt: lastDeployedAt)
                try database.run("UPDATE projects SET conditions = ? WHERE name = ?", [.text(try json(conditions)), .text(drift.project)])
                try insert(events, into: database)
            }
        }
    }

    /// The drift check of one project, inside the caller's transaction.
    static func drift(_ project: String, in database: any SQLConnection, decoder store: SQLStateStore) throws -> DriftRecord? {
        try database.query("SELECT \(driftColumns) FROM drift WHERE project = ?", [.text(project)], row: store.drift(from:)).first
    }

    private func drift(from row: any SQLRow) throws -> DriftRecord {
        let project = try row.string(at: 0)
        return DriftRecord(
            project: project,
            status: try row.value(DriftRecord.Status.self, at: 1),
            checkedAt: try row.date(at: 2),
            commit: try row.string(at: 3),
            inputHash: try row.string(at: 4),
            runID: try row.optionalInt64(at: 5),
            tasks: try decodeJSON([TaskEvent].self, from: try row.string(at: 6), column: "tasks", row: "drift \(project.debugDescription)"),
            message: try row.string(at: 7),
            since: try row.optionalDate(at: 8))
    }
}
