import Foundation
import Logging

/// Several `steward run` replicas on one database (docs/ARCHITECTURE.md §4). Each replica holds a membership lease
/// (`replica/HOLDER`, renewed with its other leases); the live ones form a `ReplicaRing`, which gives every project,
/// server and singleton key one owner. A replica queues and processes only the keys it owns: its config poll, resync
/// and drift rounds keep to them, and work it finds for another replica's key (a forge or server change, a webhook, a
/// dependency that became ready) is handed over through the store's `key_requests`, which the owner polls every second.
/// When replicas join or leave, each one queues the keys it gained. Per-key leases still decide who processes a key,
/// so a key is never processed by two replicas at once, however the rings of two replicas differ for a moment.
public final class ReplicaMembership: @unchecked Sendable {
    /// The membership leases' prefix.
    public static let keyPrefix = "replica/"

    public let leases: KeyLeases
    private let lock = NSLock()
    private var ring: ReplicaRing

    public init(leases: KeyLeases) {
        self.leases = leases
        ring = ReplicaRing(members: [leases.holder.description])
    }

    /// This replica's id (its lease holder).
    public var me: String { leases.holder.description }
    /// This replica's membership lease.
    public var key: String { Self.keyPrefix + me }
    /// The ring as last read.
    public var current: ReplicaRing { lock.withLock { ring } }

    public func owner(of key: ObjectKey) -> String? { current.owner(of: key.description) }
    public func owns(_ key: ObjectKey) -> Bool { owner(of: key) == me }

    /// Reads the live replicas from the leases (this one always among them).
    /// - Returns: the new ring when it changed, nil when not.
    func refresh(now: Date) async throws -> ReplicaRing? {
        let members = try await leases.store.leases().filter { $0.key.hasPrefix(Self.keyPrefix) && $0.holder != me }
        let live = members.filter { $0.expiresAt > now && !LeaseHolder.isGone($0.holder) }.map(\.holder)
        // A dead replica's membership (expired a whole TTL ago, or its process gone) is removed, so crashes leave no rows.
        for dead in members where LeaseHolder.isGone(dead.holder) || dead.expiresAt < now - leases.lifetime.seconds {
            try await leases.store.releaseLeases([dead.key], holder: dead.holder)
        }
        let next = ReplicaRing(members: live + [me])
        return lock.withLock {
            guard next != ring else { return nil }
            ring = next
            return next
        }
    }
}

extension Controller {
    /// Queues `key` when this controller owns it; otherwise hands it to its owner (after the current reconcile).
    func enqueue(_ key: ObjectKey) {
        guard let membership = options.membership, !membership.owns(key) else {
            queue.add(key)
            return
        }
        lock.withLock { _ = state.handOff.insert(key.description) }
    }

    /// Queues `key` when this controller owns it; another replica finds the same work itself (a config poll, a resync,
    /// another process's write: every replica looks at those).
    func enqueueOwned(_ key: ObjectKey) {
        if options.membership?.owns(key) ?? true { queue.add(key) }
    }

    /// Writes the keys handed to other replicas; kept for the next try when the store does not answer.
    func flushHandOff() async {
        guard let membership = options.membership else { return }
        let keys: [String] = lock.withLock {
            defer { state.handOff = [] }
            return state.handOff.sorted()
        }
        guard !keys.isEmpty else { return }
        do {
            try await membership.leases.store.requestKeys(keys, by: membership.me, at: Date())
        } catch {
            lock.withLock { state.handOff.formUnion(keys) }
            logger.warning("keys for other replicas not handed over yet: \(error)", metadata: ["keys": "\(keys.count)"])
        }
    }

    /// The fence, every 200 ms until cancelled, never waiting on the store (whose calls may hang while it is away):
    /// when the store has not confirmed the leases in time, the replica's Ansible runs are ended (workers start nothing
    /// while `canAct` is false), and it says so once; and once more when it acts again.
    func watchFence(_ leases: KeyLeases) async {
        var fenced = false
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let canAct = leases.canAct
            if !canAct, !fenced {
                fenced = true
                let message = "the store has not confirmed this replica's leases for \(leases.sinceConfirmed); acting on "
                    + "nothing until it answers (its leases expire \(leases.lifetime) after the last renewal)"
                logger.error("\(message)", metadata: ["action": "replica_fenced"])
                deploys.cancelRunning()
            } else if canAct, fenced {
                fenced = false
                logger.info("the store answers again: acting on this replica's keys", metadata: ["action": "replica_resumed"])
            }
            if !canAct { deploys.cancelRunning() }
        }
    }

    /// The replica's bookkeeping, once a second until cancelled: the ring every `ttl / 3` (queueing the keys gained)
    /// and the keys other replicas handed over.
    func runReplica(_ membership: ReplicaMembership) async {
        let leases = membership.leases
        var lastRing = ContinuousClock.now - leases.lifetime
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            guard leases.canAct, !Task.isCancelled else {
                lastRing = ContinuousClock.now - leases.lifetime
                continue
            }
            do {
                if ContinuousClock.now - lastRing >= leases.lifetime / 3 {
                    lastRing = ContinuousClock.now
                    if !leases.keys.contains(membership.key), let other = try await leases.tryAcquire(membership.key) {
                        logger.error("membership lease held by \(other.holder)", metadata: ["action": "replica_membership"])
                    }
                    if let ring = try await membership.refresh(now: Date()) { ringChanged(ring, membership: membership) }
                }
                let requested = try await leases.store.keyRequests().compactMap { ObjectKey($0) }
                    .filter { membership.owns($0) }
                if !requested.isEmpty {
                    try await leases.store.removeKeyRequests(requested.map(\.description))
                    for key in requested { queue.add(key) }
                }
            } catch {
                logger.warning("replica bookkeeping failed: \(error)", metadata: ["action": "replica"])
            }
        }
    }

    /// Holding `servers`, marks the server runs (sync, bootstrap, provisioning: runs of no project) still `running`
    /// `interrupted`: they are a dead replica's, unless a live process holds a `server/` key (a server's own reconcile
    /// runs them too), in which case they are left for a later round.
    func recoverDeadReplicasServerRuns() async throws {
        guard let leases else { return }
        let now = Date()
        let me = leases.holder.description
        let busy = try await leases.store.leases().contains { lease in
            lease.key.hasPrefix("server/") && lease.holder != me && lease.expiresAt > now && !LeaseHolder.isGone(lease.holder)
        }
        guard !busy else { return }
        for run in try await reconciler.store.recoverInterruptedRuns(
            at: reconciler.now(), matching: InterruptedRunFilter(onlyServerRuns: true)) {
            logger.warning("run interrupted: the replica that ran it is gone; it will be redone if still needed",
                metadata: ["server": "\(run.server ?? "-")", "run": "\(run.id ?? 0)", "action": "\(run.kind)"])
        }
    }

    /// Queues every key this replica owns now (it may have gained some), singletons included.
    private func ringChanged(_ ring: ReplicaRing, membership: ReplicaMembership) {
        let loaded = self.loaded
        let candidates: [ObjectKey] = [.forge, .servers, .health]
            + (loaded?.desired.projects.map { ObjectKey.project($0.name) } ?? [])
            + (loaded?.desired.servers.map { ObjectKey.server($0.name) } ?? [])
        let owned = candidates.filter { membership.owns($0) }
        logger.info("replicas: \(ring.members.count) live; this one owns \(owned.count) keys", metadata: [
            "action": "replica_ring", "replicas": "\(ring.members.joined(separator: ","))",
        ])
        guard loaded != nil else { return }
        for key in owned { queue.add(key) }
    }
}
