import Foundation

/// Collects values from `@Sendable` callbacks (the client's sleep and event hooks) for assertions.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Value] = []

    func record(_ value: Value) {
        lock.withLock { recorded.append(value) }
    }

    var values: [Value] {
        lock.withLock { recorded }
    }
}

extension Recorder where Value == Duration {
    /// A sleep for `HTTPClient.Configuration` that records the wait and returns at once (or throws when
    /// the task is cancelled, as `Task.sleep` does).
    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] delay in
            record(delay)
            try Task.checkCancellation()
        }
    }
}
