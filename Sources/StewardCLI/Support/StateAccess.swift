import Foundation
import Logging
import StewardCore
import StewardStore

/// Who may act on a state dir, through the store's leases (docs/ARCHITECTURE.md §4). The `controller` lease is held
/// by `steward run`, or by a one-shot command (`reconcile`, `answer`, `sync`, `fix`) while no controller runs. Beside a
/// running controller, a one-shot command takes only the leases of the keys it acts on (`project/NAME`,
/// `server/NAME`), waiting, and saying so, for one the controller is working on. One-shot commands wait for each
/// other; a second `steward run` is refused.
final class StateAccess: @unchecked Sendable {
    let leases: KeyLeases
    /// The controller's lease when one runs beside this command; nil when this command holds `controller` itself.
    let controller: Lease?

    private init(leases: KeyLeases, controller: Lease?) {
        self.leases = leases
        self.controller = controller
    }

    /// Whether this command acts alone on the state dir: it may take a dead process's running Ansible runs and graph
    /// threads for interrupted, and runs the singletons (forge sync, server sync, health) itself.
    var isAlone: Bool { controller == nil }

    /// Takes the state dir for a one-shot command named `role`: alone when no controller runs (waiting for another
    /// one-shot command), beside the controller when one does.
    static func oneShot(_ role: String, store: SQLStateStore, logger: Logger) async throws -> StateAccess {
        let leases = KeyLeases(store: store, holder: LeaseHolder(role: role))
        var said = false
        while true {
            // Not while a replica lives (a store several `steward run` share): then beside it, as beside a controller.
            guard let other = try await leases.tryAcquire(ObjectKey.controllerLease, blockedBy: ReplicaMembership.keyPrefix)
            else {
                leases.startHeartbeat(logger: logger) { key, holder in
                    logger.error("lost the lease on \(key) (now: \(holder))")
                }
                return StateAccess(leases: leases, controller: nil)
            }
            if LeaseHolder(other.holder)?.isController ?? true {
                leases.startHeartbeat(logger: logger) { key, holder in
                    logger.error("lost the lease on \(key) (now: \(holder))")
                }
                logger.info("\(LeaseHolder.describe(other)) controls this state dir; acting beside it on the keys this command touches")
                return StateAccess(leases: leases, controller: other)
            }
            if !said {
                logger.info("another steward process is reconciling this state dir: \(LeaseHolder.describe(other)); waiting for it")
                said = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
    }

    /// Takes the controller's lease for `steward run`: waits while a one-shot command holds it (saying so).
    /// - Throws: `CommandFailure` naming the controller that holds it.
    static func controller(store: SQLStateStore, logger: Logger) async throws -> StateAccess {
        let leases = KeyLeases(store: store, holder: LeaseHolder(role: "run"))
        var said = false
        while let other = try await leases.tryAcquire(ObjectKey.controllerLease) {
            if LeaseHolder(other.holder)?.isController ?? true {
                throw CommandFailure("another steward run controls \(store.storeLocation): \(LeaseHolder.describe(other)); "
                    + "stop it first (SIGTERM). A controller killed with -9 is taken over once its lease expires "
                    + "(\(Int(KeyLeases.ttl.components.seconds)) s after its last renewal), or at once from this machine")
            }
            if !said {
                logger.info("\(LeaseHolder.describe(other)) is acting on this state dir; the controller starts when it ends")
                said = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return StateAccess(leases: leases, controller: nil)
    }

    /// Joins the replicas of a store several `steward run` share (PostgreSQL): takes this replica's membership lease,
    /// waiting while a one-shot command acts alone on the store (it holds `controller`).
    static func replica(store: SQLStateStore, logger: Logger) async throws -> (StateAccess, ReplicaMembership) {
        let leases = KeyLeases(store: store, holder: LeaseHolder(role: "run"))
        let membership = ReplicaMembership(leases: leases)
        var said = false
        while let other = try await leases.tryAcquire(membership.key, blockedBy: ObjectKey.controllerLease) {
            if !said {
                logger.info("\(LeaseHolder.describe(other)) is acting alone on \(store.storeLocation); this replica starts when it ends")
                said = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return (StateAccess(leases: leases, controller: nil), membership)
    }

    /// The runs still `running` no live process is running, which a start marks `interrupted`: not those of the projects
    /// whose keys a live process (a one-shot command, another replica) holds, and none of the servers' runs while a live
    /// process holds `servers` or a `server/` key. What they hold is also theirs among the graph threads.
    func runsOfTheDead() async throws -> InterruptedRunFilter {
        let mine = leases.holder.description
        let held = try await leases.store.leases().compactMap { lease -> ObjectKey? in
            guard lease.holder != mine, lease.expiresAt > Date(), !LeaseHolder.isGone(lease.holder) else { return nil }
            return ObjectKey(lease.key)
        }
        return InterruptedRunFilter(
            excludingProjects: Set(held.compactMap(\.project)),
            excludingServerRuns: held.contains { key in
                if case .server = key { return true }
                return key == .servers
            })
    }

    /// Gives every lease up.
    func release() async { await leases.releaseAll() }
}
