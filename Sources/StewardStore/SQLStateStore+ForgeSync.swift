import Foundation
import StewardCore
import StewardModel

/// The forge sync's persistent state: listing pages with ETags, the failure counter, incidents.
extension SQLStateStore: ForgeSyncStore {
    public func forgePages(owner: String) async throws -> [ForgePage] {
        try await withDatabase { database in
            try database.query(
                "SELECT page, etag, has_next, repositories, owner_kind FROM forge_pages WHERE owner = ? ORDER BY page",
                [.text(owner)]
            ) { row in
                ForgePage(
                    number: try row.int(at: 0), etag: try row.optionalString(at: 1), hasNext: try row.bool(at: 2),
                    repositories: try decodeJSON(
                        [ForgeRepository].self, from: row.string(at: 3), column: "repositories", row: "forge page of \(owner)"),
                    ownerKind: try row.optionalString(at: 4).flatMap(ForgeOwnerKind.init(rawValue:)))
            }
        }
    }

    public func saveForgePages(owner: String, _ pages: [ForgePage]) async throws {
        try await withDatabase { database in
            // Encoded on the store's queue, which guards the coders.
            let rows = try pages.map { page in
                [.text(owner), .integer(Int64(page.number)), SQLiteValue(page.etag), SQLiteValue(page.hasNext),
                 .text(try json(page.repositories)), SQLiteValue(page.ownerKind?.rawValue)] as [SQLiteValue]
            }
            try database.transaction {
                _ = try database.run("DELETE FROM forge_pages WHERE owner = ?", [.text(owner)])
                for row in rows {
                    _ = try database.run(
                        "INSERT INTO forge_pages (owner, page, etag, has_next, repositories, owner_kind) VALUES (?, ?, ?, ?, ?, ?)", row)
                }
            }
        }
    }

    public func forgeSyncState(owner: String) async throws -> ForgeSyncState? {
        try await withDatabase { database in
            try database.query(
                "SELECT owner, consecutive_failures, last_attempt_at, last_success_at, last_error FROM forge_sync WHERE owner = ?",
                [.text(owner)]
            ) { row in
                ForgeSyncState(
                    owner: try row.string(at: 0), consecutiveFailures: try row.int(at: 1),
                    lastAttemptAt: try row.optionalDate(at: 2), lastSuccessAt: try row.optionalDate(at: 3),
                    lastError: try row.optionalString(at: 4))
            }.first
        }
    }

    public func save(forgeSyncState state: ForgeSyncState, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                _ = try database.run(
                    """
                    INSERT INTO forge_sync (owner, consecutive_failures, last_attempt_at, last_success_at, last_error)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (owner) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                        last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
                        last_error = excluded.last_error
                    """,
                    [.text(state.owner), SQLiteValue(state.consecutiveFailures), SQLiteValue(state.lastAttemptAt),
                     SQLiteValue(state.lastSuccessAt), SQLiteValue(state.lastError)])
                try insert(events, into: database)
            }
        }
    }

    // MARK: Incidents

    static let incidentColumns =
        "id, kind, severity, status, object_kind, object_name, message, opened_at, updated_at, resolved_at"

    func incident(from row: any SQLRow) throws -> IncidentRecord {
        IncidentRecord(
            id: try row.int64(at: 0), kind: try row.value(IncidentRecord.Kind.self, at: 1),
            severity: try row.value(IncidentRecord.Severity.self, at: 2),
            status: try row.value(IncidentRecord.Status.self, at: 3), objectKind: try row.string(at: 4),
            objectName: try row.string(at: 5), message: try row.string(at: 6), openedAt: try row.date(at: 7),
            updatedAt: try row.date(at: 8), resolvedAt: try row.optionalDate(at: 9))
    }

    private func openIncident(
        kind: IncidentRecord.Kind, objectKind: String, objectName: String, in database: any SQLConnection
    ) throws -> IncidentRecord? {
        try database.query(
            "SELECT \(Self.incidentColumns) FROM incidents WHERE kind = ? AND object_kind = ? AND object_name = ? "
                + "AND status IN ('detected', 'recovering')",
            [SQLiteValue(kind), .text(objectKind), .text(objectName)], row: incident(from:)
        ).first
    }

    public func openIncident(_ incident: IncidentRecord, events: [EventRecord]) async throws -> IncidentRecord {
        try await withDatabase { database in
            try database.transaction {
                if let open = try openIncident(
                    kind: incident.kind, objectKind: incident.objectKind, objectName: incident.objectName, in: database)
                {
                    return open
                }
                let id = try database.insertReturningID(
                    "INSERT INTO incidents (kind, severity, status, object_kind, object_name, message, opened_at, updated_at, "
                        + "resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [SQLiteValue(incident.kind), SQLiteValue(incident.severity), SQLiteValue(incident.status),
                     .text(incident.objectKind), .text(incident.objectName), .text(incident.message),
                     SQLiteValue(incident.openedAt), SQLiteValue(incident.updatedAt), SQLiteValue(incident.resolvedAt)])
                var stored = incident
                stored.id = id
                try insert(events, into: database)
                return stored
            }
        }
    }

    public func updateOpenIncident(
        kind: IncidentRecord.Kind, objectKind: String, objectName: String, status: IncidentRecord.Status,
        message: String, at time: Date, events: [EventRecord]
    ) async throws -> IncidentRecord? {
        try await withDatabase { database in
            try database.transaction {
                guard var open = try openIncident(kind: kind, objectKind: objectKind, objectName: objectName, in: database)
                else { return nil }
                open.status = status
                open.message = message
                open.updatedAt = time
                if !status.isOpen { open.resolvedAt = time }
                _ = try database.run(
                    "UPDATE incidents SET status = ?, message = ?, updated_at = ?, resolved_at = ? WHERE id = ?",
                    [SQLiteValue(open.status), .text(open.message), SQLiteValue(open.updatedAt),
                     SQLiteValue(open.resolvedAt), .integer(open.id!)])
                try insert(events, into: database)
                return open
            }
        }
    }

    public func incidents(openOnly: Bool) async throws -> [IncidentRecord] {
        try await withDatabase { database in
            try database.query(
                "SELECT \(Self.incidentColumns) FROM incidents"
                    + (openOnly ? " WHERE status IN ('detected', 'recovering')" : "") + " ORDER BY id DESC",
                row: incident(from:))
        }
    }
}
