import Foundation

/// A queue of keys to reconcile, with the semantics of client-go's `workqueue` (a rate-limiting, delaying queue).
///
/// - A key is handed to one worker at a time: while it is processing, `next()` never returns it again.
/// - Adding a key that is already queued is a no-op; adding one that is processing marks it dirty, and `done(_:)`
///   queues it once more, so an event that arrives during a reconcile is never lost and never doubled.
/// - `add(_:after:)` queues a key when its delay has passed (the earliest of several delays wins).
/// - `addRateLimited(_:)` is the retry of a failed key: an exponential per-key backoff with jitter (base doubling to
///   a cap, reset by `forget(_:)`), and a global token bucket so many failing keys cannot retry in a storm; the later
///   of the two delays applies.
/// - `shutDown(drain:)` stops taking keys; `next()` then hands out what is still queued and returns nil after.
///
/// Keys leave in the order they became ready. The clock is injected (tests advance a manual clock). Thread-safe; every
/// operation holds one lock for a few dictionary operations, and `next()` suspends (never blocks) while the queue is
/// empty. A leaf module: it knows nothing of Steward.
public final class WorkQueue<Key: Hashable & Sendable, C: Clock>: @unchecked Sendable where C.Duration == Duration {
    public let configuration: WorkQueueConfiguration
    public let clock: C
    /// Told of adds, retries, waits and work (client-go's `MetricsProvider`); nil counts nothing.
    public let metrics: (any WorkQueueMetrics)?
    private let random: @Sendable () -> Double
    private let lock = NSLock()
    private var state: State

    private struct State {
        /// Ready keys in order (each also in `dirty`).
        var queue = Deque<Key>()
        /// Keys that need processing: queued ones, and processing ones added again (client-go's `dirty`).
        var dirty: Set<Key> = []
        var processing: Set<Key> = []
        /// Keys waiting for their delay, with the instant they become ready (the earliest asked for).
        var waiting: [Key: C.Instant] = [:]
        var deadlines = Heap<Deadline>()
        var sequence: UInt64 = 0
        var failures: [Key: Int] = [:]
        var lastError: [Key: String] = [:]
        var bucket: TokenBucket<C.Instant>
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Key?, Never>)] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
        var shuttingDown = false
        var timer: Task<Void, Never>?
        var timerDeadline: C.Instant?
        var nextWaiterID: UInt64 = 0
        /// When each dirty key was added, and when each processing key was taken (kept only with metrics).
        var addedAt: [Key: C.Instant] = [:]
        var startedAt: [Key: C.Instant] = [:]
    }

    /// A heap entry: stale once `waiting[key]` no longer holds `instant` (the key was queued, or an earlier delay
    /// replaced it).
    private struct Deadline: Comparable {
        var instant: C.Instant
        var sequence: UInt64
        var key: Key
        static func < (lhs: Deadline, rhs: Deadline) -> Bool {
            lhs.instant == rhs.instant ? lhs.sequence < rhs.sequence : lhs.instant < rhs.instant
        }
        static func == (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant == rhs.instant && lhs.sequence == rhs.sequence }
    }

    /// - Parameters:
    ///   - configuration: backoff and token bucket.
    ///   - clock: the time delays and backoff are measured on.
    ///   - random: a uniform number in 0..<1 for the jitter (tests fix it).
    ///   - metrics: told of adds, retries, waits and work.
    public init(
        _ configuration: WorkQueueConfiguration = WorkQueueConfiguration(), clock: C,
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }, metrics: (any WorkQueueMetrics)? = nil
    ) {
        self.configuration = configuration
        self.clock = clock
        self.metrics = metrics
        self.random = random
        state = State(bucket: TokenBucket(rate: configuration.bucketRate, burst: configuration.bucketBurst, now: clock.now))
    }

    // MARK: Adding

    /// Queues `key` unless it is queued already; a key being processed is queued again when it is done.
    public func add(_ key: Key) {
        let handoff: (CheckedContinuation<Key?, Never>, Key)? = lock.withLock { enqueue(key, state: &state) }
        handoff.map { $0.0.resume(returning: $0.1) }
    }

    /// Queues `key` once `delay` has passed (at once when it is not positive). A key waiting already keeps the earlier
    /// of its two instants; a key already queued stays queued.
    public func add(_ key: Key, after delay: Duration) {
        guard delay > .zero else { return add(key) }
        let ready = clock.now.advanced(by: delay)
        lock.withLock {
            guard !state.shuttingDown else { return }
            if let current = state.waiting[key], current <= ready { return }
            state.waiting[key] = ready
            state.sequence += 1
            state.deadlines.insert(Deadline(instant: ready, sequence: state.sequence, key: key))
            armTimer(for: ready)
        }
    }

    /// Queues `key` after its retry delay: `baseDelay · 2^(failures)`, capped at `maxDelay`, less up to `jitter` of
    /// it, and no earlier than the token bucket allows. Counts a failure.
    /// - Parameter error: what went wrong, kept for `snapshot()` until the key is forgotten.
    /// - Returns: the delay chosen.
    @discardableResult
    public func addRateLimited(_ key: Key, error: String? = nil) -> Duration {
        let delay: Duration = lock.withLock {
            let failures = state.failures[key, default: 0]
            state.failures[key] = failures + 1
            if let error { state.lastError[key] = error }
            let backoff = configuration.backoff(afterFailures: failures, random: random())
            let bucket = state.bucket.reserve(at: clock.now)
            return max(backoff, bucket)
        }
        metrics?.retried()
        add(key, after: delay)
        return delay
    }

    /// Resets `key`'s failure count (a success, or a result that asks for a plain requeue).
    public func forget(_ key: Key) {
        lock.withLock {
            state.failures[key] = nil
            state.lastError[key] = nil
        }
    }

    /// How many times `key` failed since it was last forgotten.
    public func failures(of key: Key) -> Int {
        lock.withLock { state.failures[key, default: 0] }
    }

    // MARK: Processing

    /// The next ready key, which is then processing until `done(_:)`; suspends while none is ready. Nil once the
    /// queue is shut down and empty, or when the calling task is cancelled.
    public func next() async -> Key? {
        let id: UInt64? = lock.withLock {
            if state.queue.isEmpty && !state.shuttingDown {
                state.nextWaiterID += 1
                return state.nextWaiterID
            }
            return nil
        }
        guard let id else { return lock.withLock { take(state: &state) } }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Key?, Never>) in
                let immediate: (ready: Bool, key: Key?) = lock.withLock {
                    if Task.isCancelled { return (true, nil) }
                    if !state.queue.isEmpty || state.shuttingDown { return (true, take(state: &state)) }
                    state.waiters.append((id, continuation))
                    return (false, nil)
                }
                if immediate.ready { continuation.resume(returning: immediate.key) }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Key?, Never>? = lock.withLock {
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Ends the processing of `key`; a key added meanwhile is queued again.
    public func done(_ key: Key) {
        var drained: [CheckedContinuation<Void, Never>] = []
        let now = clock.now
        let handoff: (CheckedContinuation<Key?, Never>, Key)? = lock.withLock {
            state.processing.remove(key)
            if let started = state.startedAt.removeValue(forKey: key) { metrics?.finished(worked: started.duration(to: now)) }
            var handoff: (CheckedContinuation<Key?, Never>, Key)?
            if state.dirty.contains(key) {
                state.queue.append(key)
                handoff = handOff(state: &state)
            }
            if state.shuttingDown, state.processing.isEmpty {
                drained = state.drainWaiters
                state.drainWaiters = []
            }
            return handoff
        }
        handoff.map { $0.0.resume(returning: $0.1) }
        drained.forEach { $0.resume() }
    }

    /// Stops taking keys: adds are ignored, waiting keys dropped, and `next()` returns the keys still queued (none
    /// unless `keepQueued`: a controller stopping on SIGTERM starts nothing new), then nil. With `drain`, returns once
    /// no key is processing.
    public func shutDown(drain: Bool, keepQueued: Bool = true) async {
        let waiters: [CheckedContinuation<Key?, Never>] = lock.withLock {
            state.shuttingDown = true
            if !keepQueued {
                state.queue = Deque()
                state.dirty = []
                state.addedAt = [:]
            }
            state.timer?.cancel()
            state.timer = nil
            state.timerDeadline = nil
            state.waiting = [:]
            state.deadlines = Heap()
            // Waiters exist only while the queue is empty: each gets nil.
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        waiters.forEach { $0.resume(returning: nil) }
        guard drain else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished: Bool = lock.withLock {
                if state.processing.isEmpty { return true }
                state.drainWaiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }

    /// What the queue holds now (for `steward status`).
    public func snapshot() -> WorkQueueSnapshot<Key, C.Instant> {
        lock.withLock {
            WorkQueueSnapshot(
                queued: Array(state.queue), processing: state.processing,
                waiting: state.waiting.map { WorkQueueSnapshot.Waiting(key: $0.key, readyAt: $0.value,
                    failures: state.failures[$0.key, default: 0], lastError: state.lastError[$0.key]) },
                idleWorkers: state.waiters.count, isShuttingDown: state.shuttingDown)
        }
    }

    /// Keys ready to be taken.
    public var count: Int { lock.withLock { state.queue.count } }

    /// The depth and the work in progress now (client-go's depth, unfinished work and longest running processor).
    public func load() -> WorkQueueLoad {
        let now = clock.now
        return lock.withLock {
            let running = state.startedAt.values.map { $0.duration(to: now) }
            return WorkQueueLoad(
                depth: state.queue.count, unfinishedWork: running.reduce(.zero, +), longestRunning: running.max() ?? .zero)
        }
    }

    // MARK: Internals (called with the lock held)

    /// client-go's `Add`: returns the waiter to resume with the key handed to it, if one waits.
    private func enqueue(_ key: Key, state: inout State) -> (CheckedContinuation<Key?, Never>, Key)? {
        guard !state.shuttingDown, !state.dirty.contains(key) else { return nil }
        state.dirty.insert(key)
        state.waiting[key] = nil
        if let metrics {
            state.addedAt[key] = clock.now
            metrics.added()
        }
        if state.processing.contains(key) { return nil }
        state.queue.append(key)
        return handOff(state: &state)
    }

    /// Gives the first queued key to the first waiter, if there is one.
    private func handOff(state: inout State) -> (CheckedContinuation<Key?, Never>, Key)? {
        guard !state.waiters.isEmpty, let key = take(state: &state) else { return nil }
        return (state.waiters.removeFirst().continuation, key)
    }

    /// client-go's `Get`: the first queued key, moved to processing.
    private func take(state: inout State) -> Key? {
        guard let key = state.queue.popFirst() else { return nil }
        state.processing.insert(key)
        state.dirty.remove(key)
        if let metrics {
            let now = clock.now
            if let added = state.addedAt.removeValue(forKey: key) { metrics.started(waited: added.duration(to: now)) }
            state.startedAt[key] = now
        }
        return key
    }

    /// Makes sure a timer fires at `instant` (or earlier).
    private func armTimer(for instant: C.Instant) {
        if let current = state.timerDeadline, current <= instant { return }
        state.timer?.cancel()
        state.timerDeadline = instant
        state.timer = Task { [weak self, clock] in
            do {
                try await clock.sleep(until: instant, tolerance: nil)
            } catch {
                return
            }
            self?.fire(scheduledFor: instant)
        }
    }

    /// Queues every waiting key whose instant has come, and arms the timer for the next one.
    private func fire(scheduledFor instant: C.Instant) {
        var handoffs: [(CheckedContinuation<Key?, Never>, Key)] = []
        lock.withLock {
            guard state.timerDeadline == instant else { return }
            state.timer = nil
            state.timerDeadline = nil
            let now = clock.now
            while let first = state.deadlines.peek(), first.instant <= now {
                _ = state.deadlines.pop()
                guard state.waiting[first.key] == first.instant else { continue }
                state.waiting[first.key] = nil
                if let handoff = enqueue(first.key, state: &state) { handoffs.append(handoff) }
            }
            while let first = state.deadlines.peek(), state.waiting[first.key] != first.instant { _ = state.deadlines.pop() }
            if let next = state.deadlines.peek() { armTimer(for: next.instant) }
        }
        for (continuation, key) in handoffs { continuation.resume(returning: key) }
    }
}

extension WorkQueue where C == ContinuousClock {
    /// A queue on the real clock.
    public convenience init(_ configuration: WorkQueueConfiguration = WorkQueueConfiguration()) {
        self.init(configuration, clock: ContinuousClock())
    }
}

/// What a `WorkQueue` tells of its work (client-go's `MetricsProvider`). Called with the queue's lock held: keep it quick
/// and never call back into the queue.
public protocol WorkQueueMetrics: Sendable {
    /// A key was added that was not queued already.
    func added()
    /// A failed key was put back after its backoff.
    func retried()
    /// A worker took a key that had waited `waited` since it was added.
    func started(waited: Duration)
    /// A worker finished a key it held for `worked`.
    func finished(worked: Duration)
}

/// A `WorkQueue`'s load at one instant.
public struct WorkQueueLoad: Sendable, Equatable {
    /// Keys ready to be taken.
    public var depth: Int
    /// The sum of how long each key being processed has been held.
    public var unfinishedWork: Duration
    /// How long the longest-held key has been held.
    public var longestRunning: Duration

    public init(depth: Int, unfinishedWork: Duration, longestRunning: Duration) {
        self.depth = depth
        self.unfinishedWork = unfinishedWork
        self.longestRunning = longestRunning
    }
}

/// Retry delays of a `WorkQueue`.
public struct WorkQueueConfiguration: Sendable, Equatable {
    /// The first retry's delay; each failure doubles it.
    public var baseDelay: Duration
    /// The longest retry delay.
    public var maxDelay: Duration
    /// Up to this fraction of a delay is taken off at random, so keys that failed together do not retry together.
    public var jitter: Double
    /// Retries per second the token bucket allows in the long run, and how many it lets through at once.
    public var bucketRate: Double
    public var bucketBurst: Int

    public init(
        baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(300), jitter: Double = 0.1,
        bucketRate: Double = 10, bucketBurst: Int = 100
    ) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
        self.bucketRate = bucketRate
        self.bucketBurst = max(1, bucketBurst)
    }

    /// The backoff after `failures` earlier failures: `baseDelay · 2^failures`, capped, less `jitter · random` of it.
    public func backoff(afterFailures failures: Int, random: Double) -> Duration {
        // 2^40 seconds outlasts any cap; a bigger exponent would only risk overflow.
        let exponential = min(maxDelay, baseDelay * Double(UInt64(1) << UInt64(min(max(failures, 0), 40))))
        return exponential * (1 - jitter * min(max(random, 0), 1))
    }
}

/// A copy of what a `WorkQueue` holds.
public struct WorkQueueSnapshot<Key: Hashable & Sendable, Instant: Sendable>: Sendable {
    /// A key waiting for its delay (a retry after a failure, or a requested requeue).
    public struct Waiting: Sendable {
        public var key: Key
        public var readyAt: Instant
        public var failures: Int
        public var lastError: String?
    }

    public var queued: [Key]
    public var processing: Set<Key>
    public var waiting: [Waiting]
    /// Callers of `next()` waiting for a key.
    public var idleWorkers: Int
    public var isShuttingDown: Bool
}
