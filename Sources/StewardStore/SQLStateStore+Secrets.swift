import Foundation
import StewardCore
import StewardModel

/// Sealed secrets: the store never sees a plaintext value.
extension SQLStateStore: SecretStore {
    public func setSecret(project: String, name: String, sealed: Data, at time: Date) async throws -> Int {
        try await withDatabase { database in
            try database.transaction {
                let current = try database.query(
                    "SELECT version FROM secrets WHERE project = ? AND name = ?", [.text(project), .text(name)]
                ) { try $0.int(at: 0) }.first ?? 0
                _ = try database.run(
                    """
                    INSERT INTO secrets (project, name, version, sealed, updated_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (project, name) DO UPDATE SET version = excluded.version, sealed = excluded.sealed,
                        updated_at = excluded.updated_at
                    """,
                    [.text(project), .text(name), .integer(Int64(current + 1)), .blob(sealed), SQLiteValue(time)])
                return current + 1
            }
        }
    }

    public func secret(project: String, name: String) async throws -> SecretRecord? {
        try await withDatabase { database in
            try database.query(
                "SELECT project, name, version, sealed, updated_at FROM secrets WHERE project = ? AND name = ?",
                [.text(project), .text(name)], row: secret(from:)
            ).first
        }
    }

    public func secrets(project: String?) async throws -> [SecretRecord] {
        try await withDatabase { database in
            if let project {
                return try database.query(
                    "SELECT project, name, version, sealed, updated_at FROM secrets WHERE project = ? ORDER BY name",
                    [.text(project)], row: secret(from:))
            }
            return try database.query(
                "SELECT project, name, version, sealed, updated_at FROM secrets ORDER BY project, name", row: secret(from:))
        }
    }

    public func deleteSecret(project: String, name: String) async throws -> Bool {
        try await withDatabase { database in
            try database.run("DELETE FROM secrets WHERE project = ? AND name = ?", [.text(project), .text(name)]) > 0
        }
    }

    public func secretKeyFingerprint() async throws -> String? {
        try await withDatabase { database in
            try database.query("SELECT fingerprint FROM secret_key WHERE id = 1") { try $0.string(at: 0) }.first
        }
    }

    public func recordSecretKeyFingerprint(_ fingerprint: String, at time: Date) async throws -> String {
        try await withDatabase { database in
            try database.transaction {
                _ = try database.run(
                    "INSERT INTO secret_key (id, fingerprint, recorded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING", [.text(fingerprint), SQLiteValue(time)])
                return try database.query("SELECT fingerprint FROM secret_key WHERE id = 1") { try $0.string(at: 0) }.first ?? fingerprint
            }
        }
    }

    private func secret(from row: any SQLRow) throws -> SecretRecord {
        SecretRecord(
            project: try row.string(at: 0), name: try row.string(at: 1), version: try row.int(at: 2),
            sealed: try row.data(at: 3), updatedAt: try row.date(at: 4))
    }
}
