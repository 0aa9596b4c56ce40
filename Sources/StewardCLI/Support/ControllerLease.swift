import Foundation
import Logging
import StewardCore
import StewardStore

/// The `controller` lease of `steward run`: one controller acts on a state dir. Taken at start (refused, naming the
/// holder, while another controller renews it), renewed every `ttl / 3`, released on a graceful stop. A controller
/// killed with -9 leaves its lease to expire after `ttl`, or at once for a controller of this machine whose process is
/// gone.
final class ControllerLease: @unchecked Sendable {
    static let key = "controller"
    static let ttl: Duration = .seconds(15)

    let store: SQLiteStateStore
    /// `HOST:PID:TOKEN`: the token tells a restarted process with a reused pid from the one that held the lease.
    let holder: String
    private let lock = NSLock()
    private var heartbeat: Task<Void, Never>?

    init(store: SQLiteStateStore) {
        self.store = store
        holder = "\(Self.hostName):\(getpid()):\(UUID().uuidString.prefix(8).lowercased())"
    }

    static var hostName: String { ProcessInfo.processInfo.hostName }

    /// Takes the lease. - Throws: `CommandFailure` naming the controller that holds it.
    func acquire(stateDirectory: URL) async throws {
        let lease = try await store.acquireLease(Self.key, holder: holder, ttl: Self.ttl, now: Date(), isGone: Self.isGone)
        guard lease.holder == holder else {
            throw CommandFailure("another steward run controls \(stateDirectory.path): \(Self.describe(lease)); "
                + "stop it first (SIGTERM). A controller killed with -9 is taken over once its lease expires "
                + "(\(Int(Self.ttl.components.seconds)) s after its last renewal), or at once from this machine")
        }
    }

    /// Renews the lease every `ttl / 3`; calls `lost` once if it could not be renewed (another controller took it
    /// after this one stalled past the ttl), and stops.
    func startHeartbeat(logger: Logger, lost: @escaping @Sendable (String) -> Void) {
        let task = Task { [store, holder] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.ttl / 3)
                if Task.isCancelled { return }
                do {
                    let held = try await store.renewLeases([Self.key], holder: holder, ttl: Self.ttl, now: Date())
                    if !held.contains(Self.key) {
                        let current = try? await store.leases().first { $0.key == Self.key }
                        lost(current.map(Self.describe) ?? "nobody holds it")
                        return
                    }
                } catch {
                    // A store error is not a lost lease: the next renewal tries again (the ttl leaves room for two).
                    logger.warning("controller lease not renewed: \(error)")
                }
            }
        }
        lock.withLock { heartbeat = task }
    }

    /// Stops renewing and gives the lease up.
    func release() async {
        lock.withLock { heartbeat }?.cancel()
        try? await store.releaseLeases([Self.key], holder: holder)
    }

    /// `pid 123 on host since 2026-12-02T12:00:00Z`.
    static func describe(_ lease: Lease) -> String {
        let parts = lease.holder.split(separator: ":")
        let since = ISO8601DateFormatter().string(from: lease.acquiredAt)
        guard parts.count == 3 else { return "\(lease.holder) since \(since)" }
        return "pid \(parts[1]) on \(parts[0]) since \(since)"
    }

    /// Whether `holder` was a process of this machine that no longer exists.
    @Sendable static func isGone(_ holder: String) -> Bool {
        let parts = holder.split(separator: ":")
        guard parts.count == 3, String(parts[0]) == hostName, let pid = pid_t(parts[1]), pid > 0 else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }
}
