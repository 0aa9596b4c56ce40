import Foundation

/// The run lease that keeps a thread from running twice at once.
extension GraphEngine {
    /// A held lease; its heartbeat marks it lost when renewal fails.
    final class Lease: @unchecked Sendable {
        let owner: String
        private let lock = NSLock()
        private var lostError: (any Error)?

        init(owner: String) { self.owner = owner }

        func markLost(_ error: any Error) { lock.withLock { lostError = error } }

        func check() throws {
            if let error = lock.withLock({ lostError }) { throw error }
        }
    }

    func withLease<Result: Sendable>(_ thread: String, _ body: (Lease) async throws -> Result) async throws -> Result {
        let lease = Lease(owner: "\(ProcessInfo.processInfo.hostName)/pid \(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))")
        let now = options.now()
        try await checkpointer.acquireLease(
            thread: thread, owner: lease.owner, now: now, expiresAt: now.addingTimeInterval(options.leaseSeconds)
        )
        let checkpointer = checkpointer
        let options = options
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await options.clock.sleep(for: options.leaseDuration / 3)
                if Task.isCancelled { return }
                do {
                    try await checkpointer.renewLease(
                        thread: thread, owner: lease.owner, expiresAt: options.now().addingTimeInterval(options.leaseSeconds)
                    )
                } catch {
                    lease.markLost(error)
                    return
                }
            }
        }
        do {
            let result = try await body(lease)
            heartbeat.cancel()
            try? await checkpointer.releaseLease(thread: thread, owner: lease.owner)
            return result
        } catch {
            heartbeat.cancel()
            try? await checkpointer.releaseLease(thread: thread, owner: lease.owner)
            throw error
        }
    }
}
