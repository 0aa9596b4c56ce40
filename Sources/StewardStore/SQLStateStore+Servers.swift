import Foundation
import StewardCore
import StewardModel

/// Servers: one row each, upserted together with their events.
extension SQLStateStore: ServerSyncStore {
    static let serversTable = StoreTable(
        name: "servers", key: "name",
        columns: [
            "name", "manifest_path", "status", "fail_count", "generation", "observed_generation", "spec_hash", "spec",
            "conditions", "orphaned", "updated_at", "host_key", "facts", "last_seen_at", "last_checked_at",
            "provision_attempts", "provisioned_hash", "deploy_markers",
        ]
    )

    /// Every server, by name.
    public func servers() async throws -> [ServerRecord] {
        try await withDatabase { database in
            try database.query(Self.serversTable.selectSQL + " ORDER BY name", row: server(from:))
        }
    }

    /// The server called `name`, or nil.
    public func server(named name: String) async throws -> ServerRecord? {
        try await withDatabase { database in
            try database.query(Self.serversTable.selectSQL + " WHERE name = ?", [.text(name)], row: server(from:)).first
        }
    }

    /// Inserts or replaces the server and appends `events`, in one transaction.
    /// Its `Suspended` condition is the store's (`setSuspension`), whatever the record says.
    public func save(server: ServerRecord, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                var server = server
                server.conditions.applySuspension(try Self.suspension("Server", server.name, in: database), inManifest: false, at: server.updatedAt)
                try database.run(Self.serversTable.upsertSQL, try values(of: server))
                try insert(events, into: database)
            }
        }
    }

    /// Deletes the server (if present) and appends `events`, in one transaction.
    ///
    /// Port allocations on it stay: they belong to their projects and go with `releasePorts(project:)`.
    public func deleteServer(named name: String, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                try database.run("DELETE FROM servers WHERE name = ?", [.text(name)])
                try database.run("DELETE FROM suspensions WHERE object_kind = 'Server' AND object_name = ?", [.text(name)])
                try insert(events, into: database)
            }
        }
    }

    /// When server_sync last started, or nil.
    public func lastServerSyncAttempt() async throws -> Date? {
        try await withDatabase { database in
            try database.query("SELECT last_attempt_at FROM server_sync_state WHERE id = 1", row: {
                try $0.optionalDate(at: 0)
            }).first ?? nil
        }
    }

    /// Records that server_sync started at `time`.
    public func saveServerSyncAttempt(_ time: Date) async throws {
        try await withDatabase { database in
            try database.run(
                "INSERT INTO server_sync_state (id, last_attempt_at) VALUES (1, ?) "
                    + "ON CONFLICT (id) DO UPDATE SET last_attempt_at = excluded.last_attempt_at",
                [SQLiteValue(time)])
        }
    }

    private func values(of server: ServerRecord) throws -> [SQLiteValue] {
        [
            .text(server.name), SQLiteValue(server.manifestPath), SQLiteValue(server.status),
            SQLiteValue(server.failCount), .integer(server.generation), .integer(server.observedGeneration),
            SQLiteValue(server.specHash), SQLiteValue(try server.spec.map(json)), .text(try json(server.conditions)),
            SQLiteValue(server.orphaned), SQLiteValue(server.updatedAt), SQLiteValue(server.hostKey),
            SQLiteValue(try server.facts.map(json)), SQLiteValue(server.lastSeenAt), SQLiteValue(server.lastCheckedAt),
            SQLiteValue(server.provisionAttempts), SQLiteValue(server.provisionedHash), .text(try json(server.deployMarkers)),
        ]
    }

    private func server(from row: any SQLRow) throws -> ServerRecord {
        let name = try row.string(at: 0)
        let described = "server \(name.debugDescription)"
        return ServerRecord(
            name: name,
            manifestPath: try row.optionalString(at: 1),
            status: try row.value(ServerStatus.self, at: 2),
            failCount: try row.int(at: 3),
            generation: try row.int64(at: 4),
            observedGeneration: try row.int64(at: 5),
            specHash: try row.optionalString(at: 6),
            spec: try row.optionalString(at: 7).map {
                try decodeJSON(ServerSpec.self, from: $0, column: "spec", row: described)
            },
            conditions: try decodeJSON([Condition].self, from: row.string(at: 8), column: "conditions", row: described),
            orphaned: try row.bool(at: 9),
            updatedAt: try row.date(at: 10),
            hostKey: try row.optionalString(at: 11),
            facts: try row.optionalString(at: 12).map {
                try decodeJSON(ServerFacts.self, from: $0, column: "facts", row: described)
            },
            lastSeenAt: try row.optionalDate(at: 13),
            lastCheckedAt: try row.optionalDate(at: 14),
            provisionAttempts: try row.int(at: 15),
            provisionedHash: try row.optionalString(at: 16),
            deployMarkers: try decodeJSON(
                [String: DeployMarker].self, from: row.string(at: 17), column: "deploy_markers", row: described)
        )
    }
}
