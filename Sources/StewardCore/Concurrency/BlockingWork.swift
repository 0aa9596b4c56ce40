import Foundation

/// Runs blocking work off Swift's cooperative thread pool: waits on child processes, libgit2 calls that
/// touch the disk or the network, SQLite statements that may wait for a lock or an fsync.
///
/// Why: on Linux the cooperative pool is libdispatch's default global queue, one thread per core. A task
/// that blocks its thread takes that core away from every other task in the process, and on a 2-core machine
/// two blocked tasks stop all of them (docs/ARCHITECTURE.md, "Blocking work"). `DispatchQueue.global()` is
/// that same pool, so it is no escape. A serial queue of its own targets libdispatch's overcommitting root
/// queue instead, which adds a thread when the others block.
public enum BlockingWork {
    /// Runs `body` on a new serial queue and suspends the calling task (it never blocks it) until it returns.
    /// - Parameter label: names the queue's thread in a debugger or a stack sample.
    /// - Returns: what `body` returned; rethrows what it threw.
    public static func run<Result>(_ label: String, _ body: () throws -> Result) async throws -> Result {
        try await run(on: DispatchQueue(label: label), body)
    }

    /// Runs `body` on `queue` (a serial queue serialises every use of what it guards) and suspends the
    /// calling task until it returns; a caller waiting for its turn is suspended, never blocked.
    ///
    /// `body` need not be `@Sendable` or escaping: this function does not return before `body` has run to
    /// its end, so whatever `body` captures is used by one thread at a time.
    public static func run<Result>(on queue: DispatchQueue, _ body: () throws -> Result) async throws -> Result {
        try await withoutActuallyEscaping(body) { body in
            let slot = Slot(body)
            let outcome: Unchecked<Swift.Result<Result, any Error>> = await withCheckedContinuation { continuation in
                queue.async { continuation.resume(returning: Unchecked(slot.run())) }
            }
            return try outcome.value.get()
        }
    }

    /// Holds `body` until it has run, then lets go of it: `withoutActuallyEscaping` checks that nothing
    /// holds the closure when it returns, and the queue may release its block only after the caller resumed.
    private final class Slot<Result>: @unchecked Sendable {
        private var body: (() throws -> Result)?

        init(_ body: @escaping () throws -> Result) { self.body = body }

        func run() -> Swift.Result<Result, any Error> {
            defer { body = nil }
            return Swift.Result { try body!() }
        }
    }

    /// Carries a value back from the queue; sound because the caller waits for it.
    private struct Unchecked<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }
}
