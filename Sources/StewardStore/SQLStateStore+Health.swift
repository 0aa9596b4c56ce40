import Foundation
import StewardCore
import StewardModel

/// The health_checker's persistent state: one row per checked project, and the start of the last round.
extension SQLStateStore: HealthStore {
    private static let healthColumns =
        "project, url, consecutive_failures, last_status, last_code, last_error, last_checked_at, last_healthy_at, down_since"

    public func healthChecks() async throws -> [HealthCheckRecord] {
        try await withDatabase { database in
            try database.query("SELECT \(Self.healthColumns) FROM health_checks ORDER BY project", row: healthCheck(from:))
        }
    }

    public func healthCheck(project: String) async throws -> HealthCheckRecord? {
        try await withDatabase { database in
            try database.query(
                "SELECT \(Self.healthColumns) FROM health_checks WHERE project = ?", [.text(project)], row: healthCheck(from:)
            ).first
        }
    }

    public func save(healthCheck row: HealthCheckRecord, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                _ = try database.run(
                    """
                    INSERT INTO health_checks (\(Self.healthColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (project) DO UPDATE SET url = excluded.url,
                        consecutive_failures = excluded.consecutive_failures, last_status = excluded.last_status,
                        last_code = excluded.last_code, last_error = excluded.last_error,
                        last_checked_at = excluded.last_checked_at, last_healthy_at = excluded.last_healthy_at,
                        down_since = excluded.down_since
                    """,
                    [.text(row.project), .text(row.url), SQLiteValue(row.consecutiveFailures), SQLiteValue(row.lastStatus),
                     SQLiteValue(row.lastCode), SQLiteValue(row.lastError), SQLiteValue(row.lastCheckedAt),
                     SQLiteValue(row.lastHealthyAt), SQLiteValue(row.downSince)])
                try insert(events, into: database)
            }
        }
    }

    public func deleteHealthCheck(project: String) async throws {
        try await withDatabase { database in
            _ = try database.run("DELETE FROM health_checks WHERE project = ?", [.text(project)])
        }
    }

    public func healthCheckerLastRun() async throws -> Date? {
        try await withDatabase { database in
            try database.query("SELECT last_run_at FROM health_checker WHERE id = 1") { try $0.date(at: 0) }.first
        }
    }

    public func setHealthCheckerLastRun(_ time: Date) async throws {
        try await withDatabase { database in
            _ = try database.run(
                "INSERT INTO health_checker (id, last_run_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last_run_at = excluded.last_run_at",
                [SQLiteValue(time)])
        }
    }

    private func healthCheck(from row: any SQLRow) throws -> HealthCheckRecord {
        HealthCheckRecord(
            project: try row.string(at: 0), url: try row.string(at: 1), consecutiveFailures: try row.int(at: 2),
            lastStatus: try row.value(HealthCheckRecord.Status.self, at: 3), lastCode: try row.optionalInt(at: 4),
            lastError: try row.optionalString(at: 5), lastCheckedAt: try row.date(at: 6),
            lastHealthyAt: try row.optionalDate(at: 7), downSince: try row.optionalDate(at: 8))
    }
}
