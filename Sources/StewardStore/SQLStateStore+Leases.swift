import Foundation
import StewardCore

/// Leases (docs/ARCHITECTURE.md §4): each acquire and renewal is one write transaction, so two processes never both
/// believe they hold a key; every acquire and release is written to `lease_audit` in the same transaction.
/// One row of `lease_audit`.
public struct LeaseAuditEntry: Sendable, Hashable {
    public var key: String
    public var holder: String
    /// `acquire`, `takeover` (of `previous`'s expired or gone lease) or `release`.
    public var action: String
    public var previous: String?
    public var at: Date
    /// For an acquire: when the lease ends unless renewed.
    public var expiresAt: Date?
}

extension SQLStateStore: LeaseStore {
    public func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool
    ) async throws -> Lease {
        try await acquire(key, holder: holder, ttl: ttl, now: now, isGone: isGone, blockedBy: nil)
    }

    public func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool, blockedBy blockingPrefix: String
    ) async throws -> Lease {
        try await acquire(key, holder: holder, ttl: ttl, now: now, isGone: isGone, blockedBy: blockingPrefix)
    }

    /// One transaction: the blocking leases, the key's current lease, then the write and its audit row.
    private func acquire(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool, blockedBy blockingPrefix: String?
    ) async throws -> Lease {
        let expires = now.addingTimeInterval(ttl.seconds)
        return try await withDatabase { database in
            try database.transaction {
                if let blockingPrefix {
                    let blocking = try database.query(
                        "SELECT \(Self.leaseColumns) FROM leases WHERE key LIKE ? ESCAPE '\\' AND holder <> ? AND expires_at > ? "
                            + "ORDER BY key", [.text(Self.likePrefix(blockingPrefix)), .text(holder), SQLiteValue(now)],
                        row: Self.lease(from:))
                    if let live = blocking.first(where: { !isGone($0.holder) }) { return live }
                }
                let current = try database.query(
                    "SELECT \(Self.leaseColumns) FROM leases WHERE key = ?", [.text(key)], row: Self.lease(from:)
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
                if current?.holder != holder {
                    // A lease left behind by another holder (expired, or its process gone) is a takeover.
                    try database.run(
                        "INSERT INTO lease_audit (key, holder, action, previous, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [.text(key), .text(holder), .text(current == nil ? "acquire" : "takeover"),
                         SQLiteValue(current?.holder), SQLiteValue(now), SQLiteValue(expires)])
                }
                return Lease(key: key, holder: holder, acquiredAt: acquired, renewedAt: now, expiresAt: expires)
            }
        }
    }

    /// `prefix` as a LIKE pattern matching every text that starts with it (`%`, `_` and `\` escaped).
    static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_") + "%"
    }

    public func requestKeys(_ keys: [String], by holder: String, at time: Date) async throws {
        guard !keys.isEmpty else { return }
        try await withDatabase { database in
            try database.transaction {
                for key in Set(keys).sorted() {
                    try database.run(
                        "INSERT INTO key_requests (key, requested_by, requested_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE "
                            + "SET requested_by = excluded.requested_by, requested_at = excluded.requested_at",
                        [.text(key), .text(holder), SQLiteValue(time)])
                }
            }
        }
    }

    public func keyRequests() async throws -> [String] {
        try await withDatabase { database in
            try database.query("SELECT key FROM key_requests ORDER BY key") { try $0.string(at: 0) }
        }
    }

    public func removeKeyRequests(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await withDatabase { database in
            try database.transaction {
                for key in keys { try database.run("DELETE FROM key_requests WHERE key = ?", [.text(key)]) }
            }
        }
    }

    /// Every row of `lease_audit`, oldest first (tests and the replica crash harness read it to prove that no key was
    /// held by two holders at once).
    public func leaseAudit() async throws -> [LeaseAuditEntry] {
        try await withDatabase { database in
            try database.query("SELECT key, holder, action, previous, at, expires_at FROM lease_audit ORDER BY id") { row in
                LeaseAuditEntry(
                    key: try row.string(at: 0), holder: try row.string(at: 1), action: try row.string(at: 2),
                    previous: try row.optionalString(at: 3), at: try row.date(at: 4), expiresAt: try row.optionalDate(at: 5))
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
        let time = now()
        try await withDatabase { database in
            try database.transaction {
                for key in keys
                where try database.run("DELETE FROM leases WHERE key = ? AND holder = ?", [.text(key), .text(holder)]) > 0 {
                    try database.run(
                        "INSERT INTO lease_audit (key, holder, action, at) VALUES (?, ?, 'release', ?)",
                        [.text(key), .text(holder), SQLiteValue(time)])
                }
            }
        }
    }

    public func leases() async throws -> [Lease] {
        try await withDatabase { database in
            try database.query("SELECT \(Self.leaseColumns) FROM leases ORDER BY key", row: Self.lease(from:))
        }
    }

    private static let leaseColumns = "key, holder, acquired_at, renewed_at, expires_at"

    private static func lease(from row: any SQLRow) throws -> Lease {
        Lease(key: try row.string(at: 0), holder: try row.string(at: 1), acquiredAt: try row.date(at: 2),
            renewedAt: try row.date(at: 3), expiresAt: try row.date(at: 4))
    }
}
