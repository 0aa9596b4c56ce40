import Foundation

/// Settles a continuation exactly once, whichever of a node and its timer finishes first.
final class Race<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?
    private var cancelHandler: (@Sendable () -> Void)?
    private var cancelled = false

    func start(_ continuation: CheckedContinuation<Value, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// Resumes the continuation unless already resumed; returns whether this call did it.
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        let (continuation, handler) = lock.withLock {
            defer { self.continuation = nil; self.cancelHandler = nil }
            return (self.continuation, self.cancelHandler)
        }
        guard let continuation else { return false }
        handler?()
        continuation.resume(with: result)
        return true
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        // Already cancelled or already finished: the handler's work (stopping the other task) is due now.
        let (runNow, wasCancelled) = lock.withLock {
            if cancelled || continuation == nil { return (true, cancelled) }
            cancelHandler = handler
            return (false, false)
        }
        if runNow { handler() }
        if wasCancelled { finish(.failure(CancellationError())) }
    }

    func cancel() {
        let handler = lock.withLock {
            cancelled = true
            return cancelHandler
        }
        handler?()
        finish(.failure(CancellationError()))
    }
}
