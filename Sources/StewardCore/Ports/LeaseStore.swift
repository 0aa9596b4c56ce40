import Foundation

/// A lease on a key: held by one holder until it expires unless renewed (docs/ARCHITECTURE.md §4). The controller
/// holds `controller` so two `steward run` never act on one state dir; per-key leases follow the same table.
public struct Lease: Sendable, Hashable {
    public var key: String
    /// Who holds it: `ControllerIdentity.description` for a controller.
    public var holder: String
    public var acquiredAt: Date
    public var renewedAt: Date
    public var expiresAt: Date

    public init(key: String, holder: String, acquiredAt: Date, renewedAt: Date, expiresAt: Date) {
        self.key = key
        self.holder = holder
        self.acquiredAt = acquiredAt
        self.renewedAt = renewedAt
        self.expiresAt = expiresAt
    }
}

/// Leases in the store, each taken or renewed in one transaction.
public protocol LeaseStore: Sendable {
    /// Takes `key` for `holder` until `now + ttl` when it is free, expired, held by `holder` already, or held by a
    /// holder `isGone` says is gone (a process of this machine that no longer exists).
    /// - Returns: the lease as it is now: `holder`'s when it was taken, the other holder's when not.
    func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool
    ) async throws -> Lease

    /// As `acquireLease`, and in the same transaction refused while another holder (not gone) holds an unexpired
    /// lease on a key starting with `blockingPrefix`: a replica does not start while a one-shot command holds
    /// `controller`, and a one-shot command does not hold `controller` while a replica lives (`replica/…`).
    /// - Returns: the lease as it is now, or the blocking lease.
    func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool, blockedBy blockingPrefix: String
    ) async throws -> Lease

    /// Keys handed to whichever replica owns them (docs/ARCHITECTURE.md §4): one row per key, the newest request.
    func requestKeys(_ keys: [String], by holder: String, at time: Date) async throws
    /// Every requested key.
    func keyRequests() async throws -> [String]
    /// Removes requests once their keys are enqueued.
    func removeKeyRequests(_ keys: [String]) async throws

    /// Extends `holder`'s leases on `keys` to `now + ttl`.
    /// - Returns: the keys still held; a key another holder took after it expired is missing.
    func renewLeases(_ keys: [String], holder: String, ttl: Duration, now: Date) async throws -> Set<String>

    /// Gives up `holder`'s leases on `keys`.
    func releaseLeases(_ keys: [String], holder: String) async throws

    /// Every lease, expired or not, by key.
    func leases() async throws -> [Lease]
}
