import Foundation
import StewardCore

/// Leases (docs/ARCHITECTURE.md §4): each acquire and renewal is one `BEGIN IMMEDIATE` transaction, so two processes
/// never both believe they hold a key.
extension SQLStateStore: LeaseStore {
    public func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool
    ) async throws -> Lease {
        let expires = now.addingTimeInterval(ttl.seconds)
        return try await withDatabase { database in
            try database.transaction {
                let current = try database.query(
                    "SELECT key, holder, acquired_at, renewed_at, expires_at FROM leases WHERE key = ?", [.text(key)],
                    row: Self.lease(from:)
                ).first
                if let current, current.holder != holder, current.expiresAt > now, !isGone(current.holder) {
                    return current
                }
                let acquired = current?.holder == holder ? current!.acquiredAt : now
                try database.run(
                    """
                    INSERT INTO leases (key, holder, acquired_at, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at,
                        renewed_at = excluded.renewed_at, expires_at = excluded.expires_at
                    """,
                    [.text(key), .text(holder), SQLiteValue(acquired), SQLiteValue(now), SQLiteValue(expires)])
                return Lease(key: key, holder: holder, acquiredAt: acquired, renewedAt: now, expiresAt: expires)
            }
        }
    }

    public func renewLeases(_ keys: [String], holder: String, ttl: Duration, now: Date) async throws -> Set<String> {
        let expires = now.addingTimeInterval(ttl.seconds)
        return try await withDatabase { database in
            try database.transaction {
                var held: Set<String> = []
                for key in keys {
                    let changed = try database.run(
                        "UPDATE leases SET renewed_at = ?, expires_at = ? WHERE key = ? AND holder = ?",
                        [SQLiteValue(now), SQLiteValue(expires), .text(key), .text(holder)])
                    if changed > 0 { held.insert(key) }
                }
                return held
            }
        }
    }

    public func releaseLeases(_ keys: [String], holder: String) async throws {
        try await withDatabase { database in
            try database.transaction {
                for key in keys {
                    try database.run("DELETE FROM leases WHERE key = ? AND holder = ?", [.text(key), .text(holder)])
                }
            }
        }
    }

    public func leases() async throws -> [Lease] {
        try await withDatabase { database in
            try database.query(
                "SELECT key, holder, acquired_at, renewed_at, expires_at FROM leases ORDER BY key", row: Self.lease(from:))
        }
    }

    private static func lease(from row: any SQLRow) throws -> Lease {
        Lease(key: try row.string(at: 0), holder: try row.string(at: 1), acquiredAt: try row.date(at: 2),
            renewedAt: try row.date(at: 3), expiresAt: try row.date(at: 4))
    }
}
