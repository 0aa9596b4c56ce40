import Foundation

/// Settings of a `GraphEngine`.
public struct GraphRunOptions: Sendable {
    /// A full state snapshot is stored every this many checkpoints (and on the first); the rest are deltas.
    public var snapshotInterval: Int
    /// How long a run's lease on its thread lasts without renewal; renewed every third of it, so a
    /// crashed run's thread can be resumed by another process after at most this long.
    public var leaseDuration: Duration
    /// Measures node timeouts and lease heartbeats.
    public var clock: any Clock<Duration>
    /// Wall-clock time for checkpoint and lease records.
    public var now: @Sendable () -> Date
    /// Receives one event per finished step (the trace), e.g. to log it.
    public var onEvent: (@Sendable (GraphEvent) -> Void)?

    /// Options with the defaults: snapshot every 25 checkpoints, a 60 s lease, the continuous clock.
    public init(
        snapshotInterval: Int = 25, leaseDuration: Duration = .seconds(60), clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, onEvent: (@Sendable (GraphEvent) -> Void)? = nil
    ) {
        self.snapshotInterval = snapshotInterval
        self.leaseDuration = leaseDuration
        self.clock = clock
        self.now = now
        self.onEvent = onEvent
    }

    var leaseSeconds: TimeInterval {
        let (seconds, attoseconds) = leaseDuration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
