import Foundation

/// Set from a task's cancellation handler, read by libcurl's progress callback on the transfer thread.
///
/// `@unchecked Sendable`: the one Bool is only touched under `lock`. `NSLock` rather than `Mutex` because the
/// package still declares macOS 14.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    /// Marks the transfer as cancelled; libcurl aborts it at the next progress callback.
    func cancel() {
        lock.withLock { cancelled = true }
    }

    /// Whether `cancel()` was called.
    var isCancelled: Bool {
        lock.withLock { cancelled }
    }
}
