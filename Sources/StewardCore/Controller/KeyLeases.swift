import Foundation
import Logging

/// Who holds a lease: `HOST:PID:TOKEN:ROLE`. The token tells a restarted process with a reused pid from the one that
/// held the lease; the role says whether it is the controller (`run`) or a one-shot command (`reconcile`, `fix`, …).
public struct LeaseHolder: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var pid: Int32
    public var token: String
    public var role: String

    /// This process, in `role`.
    public init(role: String) {
        host = ProcessInfo.processInfo.hostName
        pid = getpid()
        token = UUID().uuidString.prefix(8).lowercased()
        self.role = role
    }

    /// Parses a holder; a holder written before roles (`HOST:PID:TOKEN`) is a controller.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 || parts.count == 4, let pid = Int32(parts[1]) else { return nil }
        host = parts[0]
        self.pid = pid
        token = parts[2]
        role = parts.count == 4 ? parts[3] : "run"
    }

    public var description: String { "\(host):\(pid):\(token):\(role)" }

    /// Whether this holder is `steward run`.
    public var isController: Bool { role == "run" }

    /// Whether `holder` was a process of this machine that no longer exists.
    @Sendable public static func isGone(_ holder: String) -> Bool {
        guard let parsed = LeaseHolder(holder), parsed.host == ProcessInfo.processInfo.hostName, parsed.pid > 0 else {
            return false
        }
        return kill(parsed.pid, 0) == -1 && errno == ESRCH
    }

    /// `steward run (pid 123 on host since 2026-12-02T12:00:00Z)`.
    public static func describe(_ lease: Lease) -> String {
        let since = ISO8601DateFormatter().string(from: lease.acquiredAt)
        guard let holder = LeaseHolder(lease.holder) else { return "\(lease.holder) since \(since)" }
        return "steward \(holder.role) (pid \(holder.pid) on \(holder.host) since \(since))"
    }
}

/// The leases one process holds (docs/ARCHITECTURE.md §4): taken per key, renewed together by one heartbeat every
/// `ttl / 3`, released when the work is done. A process killed with -9 leaves them to expire after `ttl`, or at once
/// for a process of this machine that is gone.
///
/// Fencing: a process acts only while the store has confirmed its leases recently (`canAct`: an acquire or a renewal
/// answered within `ttl - fenceMargin`). A process cut off from the database stops acting `fenceMargin` before any of
/// its leases can expire and be taken by another process, so it never works on a key it may no longer hold.
public final class KeyLeases: @unchecked Sendable {
    public static let ttl: Duration = .seconds(15)
    /// How long before its leases could expire a process stops acting when the store does not answer.
    public static let fenceMargin: Duration = .seconds(5)

    public let store: any LeaseStore
    public let holder: LeaseHolder
    private let lock = NSLock()
    private var held: Set<String> = []
    private var heartbeat: Task<Void, Never>?
    private var confirmed: ContinuousClock.Instant
    /// Set by `releaseAll`: no key is taken any more (a late acquire gives its key back at once).
    private var closed = false
    private let clock = ContinuousClock()

    /// This holder's lease time and fence margin (the defaults but in tests).
    public let lifetime: Duration
    public let margin: Duration

    public init(
        store: any LeaseStore, holder: LeaseHolder, ttl: Duration = KeyLeases.ttl, fenceMargin: Duration = KeyLeases.fenceMargin
    ) {
        self.store = store
        self.holder = holder
        lifetime = ttl
        margin = fenceMargin
        confirmed = clock.now
    }

    /// Whether the store confirmed this process's leases within `ttl - fenceMargin` (see Fencing).
    public var canAct: Bool { lock.withLock { clock.now - confirmed < lifetime - margin } }

    /// How long ago the store last confirmed the leases.
    public var sinceConfirmed: Duration { lock.withLock { clock.now - confirmed } }

    /// Notes that the store answered a lease write now.
    private func confirm(since start: ContinuousClock.Instant) {
        // Measured from before the request: the lease runs from the time the store wrote, which is no earlier.
        lock.withLock { confirmed = max(confirmed, start) }
    }

    /// The keys held now.
    public var keys: Set<String> { lock.withLock { held } }

    /// Takes `key` when it is free, expired, already ours or its holder is gone.
    /// - Returns: nil when taken; the other holder's lease when not.
    public func tryAcquire(_ key: String, blockedBy blockingPrefix: String? = nil) async throws -> Lease? {
        let start = clock.now
        let lease = if let blockingPrefix {
            try await store.acquireLease(
                key, holder: holder.description, ttl: lifetime, now: Date(), isGone: LeaseHolder.isGone, blockedBy: blockingPrefix)
        } else {
            try await store.acquireLease(key, holder: holder.description, ttl: lifetime, now: Date(), isGone: LeaseHolder.isGone)
        }
        guard lease.holder == holder.description else { return lease }
        confirm(since: start)
        let kept: Bool = lock.withLock {
            guard !closed else { return false }
            held.insert(key)
            return true
        }
        if !kept {
            // Released meanwhile (the process is stopping): this key must not outlive it.
            try? await store.releaseLeases([key], holder: holder.description)
            throw CancellationError()
        }
        return nil
    }

    /// Takes every key of `keys`, in sorted order (two processes taking overlapping sets never wait on each other in
    /// a circle), waiting for each busy one and saying so once per key.
    /// - Returns: whether any key was busy (what the caller planned before may be stale now).
    @discardableResult
    public func acquire(_ keys: [String], logger: Logger, poll: Duration = .milliseconds(250)) async throws -> Bool {
        var waited = false
        for key in Set(keys).sorted() {
            var said = false
            while let other = try await tryAcquire(key) {
                if !said {
                    logger.info("\(key) is busy: \(LeaseHolder.describe(other)) works on it; waiting for it", metadata: [
                        "key": "\(key)",
                    ])
                    said = true
                }
                waited = true
                try await Task.sleep(for: poll)
            }
        }
        return waited
    }

    /// Gives `keys` up.
    public func release(_ keys: [String]) async {
        lock.withLock { keys.forEach { held.remove($0) } }
        try? await store.releaseLeases(keys, holder: holder.description)
    }

    /// Stops the heartbeat and gives every held key up.
    public func releaseAll() async {
        let keys: [String] = lock.withLock {
            closed = true
            heartbeat?.cancel()
            heartbeat = nil
            defer { held = [] }
            return Array(held)
        }
        if !keys.isEmpty { try? await store.releaseLeases(keys, holder: holder.description) }
    }

    /// Renews every held key every `ttl / 3`; calls `lost` with a key another holder took (this process stalled past
    /// the ttl) and its new holder. A store error is not a loss: the next renewal tries again, after 1 s (the ttl
    /// leaves room; `canAct` turns false `fenceMargin` before it runs out).
    public func startHeartbeat(logger: Logger, lost: @escaping @Sendable (String, String) -> Void) {
        let task = Task { [store, holder, clock, lifetime] in
            var failing = false
            while !Task.isCancelled {
                try? await Task.sleep(for: failing ? min(.seconds(1), lifetime / 10) : lifetime / 3)
                if Task.isCancelled { return }
                let keys = self.keys
                guard !keys.isEmpty else {
                    self.lock.withLock { self.confirmed = clock.now }
                    continue
                }
                let start = clock.now
                do {
                    let renewed = try await store.renewLeases(Array(keys), holder: holder.description, ttl: lifetime, now: Date())
                    if failing { logger.info("leases renewed again", metadata: ["keys": "\(renewed.count)"]) }
                    failing = false
                    self.confirm(since: start)
                    // A key released while the renewal ran is not lost.
                    let missing = keys.subtracting(renewed).intersection(self.keys)
                    guard !missing.isEmpty else { continue }
                    let current = (try? await store.leases()) ?? []
                    for key in missing.sorted() {
                        lost(key, current.first { $0.key == key }.map(LeaseHolder.describe) ?? "nobody holds it")
                    }
                    self.lock.withLock { missing.forEach { self.held.remove($0) } }
                } catch {
                    failing = true
                    logger.warning("leases not renewed: \(error)", metadata: ["keys": "\(keys.count)"])
                }
            }
        }
        lock.withLock { heartbeat = task }
    }
}
