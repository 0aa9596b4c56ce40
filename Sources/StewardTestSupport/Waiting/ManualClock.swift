import Foundation

/// A clock that moves only when a test advances it: code under test that sleeps on it (a heartbeat, a
/// backoff) wakes exactly when the test says, however busy the machine is.
///
/// `date` is the matching wall-clock view for code that takes `now: () -> Date`.
public final class ManualClock: Clock, @unchecked Sendable {
    /// A point on the manual clock: the time advanced since it was created.
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    private var sleepers: [UUID: Sleeper] = [:]
    private var sleeps = 0
    private let start: Date

    /// A clock at offset zero whose `date` starts at `start`.
    public init(start: Date = Date(timeIntervalSinceReferenceDate: 800_000_000)) { self.start = start }

    public var now: Instant { lock.withLock { current } }
    public var minimumResolution: Duration { .zero }

    /// The wall-clock time the clock stands at.
    public var date: Date {
        let offset = now.offset
        return start.addingTimeInterval(Double(offset.components.seconds) + Double(offset.components.attoseconds) / 1e18)
    }

    /// How many times code has called `sleep` on this clock so far.
    public var sleepCount: Int { lock.withLock { sleeps } }

    /// Suspends until the test advances the clock to `deadline`; throws `CancellationError` when cancelled.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready: Bool = lock.withLock {
                    sleeps += 1
                    if deadline <= current || Task.isCancelled { return true }
                    sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock forward and wakes every sleeper whose deadline has come.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = lock.withLock {
            current = current.advanced(by: duration)
            let due = sleepers.filter { $0.value.deadline <= current }
            for id in due.keys { sleepers[id] = nil }
            return Array(due.values)
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
