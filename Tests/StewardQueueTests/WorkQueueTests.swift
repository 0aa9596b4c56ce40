import Foundation
import StewardQueue
import StewardTestSupport
import Testing

/// The queue's contract, client-go's: dedup, one worker per key, a key added while processing comes back once, delays,
/// backoff growing and reset, the token bucket, shutdown. Time is a manual clock: nothing here waits on the wall clock.
struct WorkQueueTests {
    typealias Queue = WorkQueue<String, ManualClock>

    static func queue(
        _ configuration: WorkQueueConfiguration = WorkQueueConfiguration(bucketRate: 0), random: Double = 0
    ) -> (Queue, ManualClock) {
        let clock = ManualClock()
        return (Queue(configuration, clock: clock, random: { random }), clock)
    }

    @Test func addingAQueuedKeyIsANoOpAndKeysLeaveInOrder() async {
        let (queue, _) = Self.queue()
        queue.add("a")
        queue.add("b")
        queue.add("a")
        #expect(queue.count == 2)
        #expect(await queue.next() == "a")
        #expect(await queue.next() == "b")
        #expect(queue.count == 0)
    }

    @Test func aKeyAddedWhileProcessingIsProcessedOnceMoreAfterwards() async {
        let (queue, _) = Self.queue()
        queue.add("a")
        #expect(await queue.next() == "a")
        queue.add("a")
        queue.add("a")
        #expect(queue.count == 0, "never handed to a second worker while the first holds it")
        #expect(queue.snapshot().processing == ["a"])
        queue.done("a")
        #expect(queue.count == 1)
        #expect(await queue.next() == "a")
        queue.done("a")
        #expect(queue.count == 0, "two adds during processing make one more run, not two")
    }

    @Test func aWaitingWorkerGetsTheNextKeyAdded() async throws {
        let (queue, _) = Self.queue()
        async let taken = queue.next()
        try await waitUntil("the worker waits") { queue.snapshot().idleWorkers == 1 }
        queue.add("late")
        #expect(await taken == "late")
    }

    /// Many workers, keys added again and again while they are processed: no key is ever held by two workers, and
    /// every add made during a key's processing is followed by a run that starts after it.
    @Test func workersNeverHoldOneKeyTwiceAndLoseNoAdd() async throws {
        let (queue, _) = Self.queue()
        let ledger = Ledger()
        let keys = (0..<20).map { "project/p\($0)" }
        let workers = Task {
            await queue.runWorkers(4) { key in
                ledger.start(key)
                try? await Task.sleep(for: .microseconds(200))
                ledger.finish(key)
                return .done
            }
        }
        for round in 0..<50 {
            for (index, key) in keys.enumerated() where (round + index) % 3 != 0 {
                ledger.added(key)
                queue.add(key)
            }
            if round % 5 == 0 { try await Task.sleep(for: .microseconds(300)) }
        }
        // Every key's last add is processed: wait until all are idle, then stop.
        try await waitUntil("every key is processed") { queue.count == 0 && queue.snapshot().processing.isEmpty }
        await queue.shutDown(drain: true)
        await workers.value
        #expect(ledger.maxConcurrentPerKey == 1)
        #expect(ledger.keysWithoutARunAfterTheirLastAdd.isEmpty)
        #expect(ledger.totalRuns < 20 * 50, "adds of a queued key were merged: \(ledger.totalRuns) runs")
    }

    @Test func backoffDoublesFromTheBaseToTheCapAndResetsOnForget() {
        let (queue, _) = Self.queue(WorkQueueConfiguration(baseDelay: .seconds(1), maxDelay: .seconds(300), bucketRate: 0))
        let delays = (0..<11).map { _ in queue.addRateLimited("a") }
        #expect(delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300].map { Duration.seconds($0) })
        #expect(queue.failures(of: "a") == 11)
        #expect(queue.addRateLimited("b") == .seconds(1), "backoff is per key")
        queue.forget("a")
        #expect(queue.failures(of: "a") == 0)
        #expect(queue.addRateLimited("a") == .seconds(1))
    }

    @Test func jitterTakesUpToItsFractionOff() {
        let config = WorkQueueConfiguration(baseDelay: .seconds(10), maxDelay: .seconds(300), jitter: 0.2, bucketRate: 0)
        #expect(config.backoff(afterFailures: 0, random: 0) == .seconds(10))
        #expect(config.backoff(afterFailures: 0, random: 1) == .seconds(8))
        #expect(config.backoff(afterFailures: 1, random: 0.5) == .seconds(18))
        #expect(config.backoff(afterFailures: 500, random: 0) == .seconds(300))
    }

    @Test func aDelayedKeyIsReadyWhenItsTimeComesAndTheEarliestDelayWins() async {
        let (queue, clock) = Self.queue()
        queue.add("a", after: .seconds(10))
        queue.add("a", after: .seconds(3))
        queue.add("a", after: .seconds(20))
        queue.add("b", after: .seconds(5))
        #expect(queue.count == 0)
        #expect(queue.snapshot().waiting.count == 2)
        clock.advance(by: .seconds(2))
        #expect(queue.count == 0)
        clock.advance(by: .seconds(1))
        #expect(await queue.next() == "a")
        clock.advance(by: .seconds(2))
        #expect(await queue.next() == "b")
        queue.done("a")
        queue.done("b")
        clock.advance(by: .seconds(60))
        #expect(queue.count == 0, "the later delays of a were replaced by the earliest")
    }

    @Test func anImmediateAddOvertakesAWaitingKey() async {
        let (queue, clock) = Self.queue()
        queue.add("a", after: .seconds(30))
        queue.add("a")
        #expect(queue.snapshot().waiting.isEmpty)
        #expect(await queue.next() == "a")
        queue.done("a")
        clock.advance(by: .seconds(30))
        #expect(queue.count == 0)
    }

    @Test func aFailureRetriesAfterItsBackoffAndASuccessResetsIt() async {
        let (queue, clock) = Self.queue(WorkQueueConfiguration(baseDelay: .seconds(1), bucketRate: 0))
        queue.add("a")
        #expect(await queue.next() == "a")
        queue.settle("a", .failed("deploy failed"))
        queue.done("a")
        #expect(queue.snapshot().waiting.first?.lastError == "deploy failed")
        clock.advance(by: .seconds(1))
        #expect(await queue.next() == "a")
        queue.settle("a", .failed("again"))
        queue.done("a")
        clock.advance(by: .seconds(1))
        #expect(queue.count == 0, "the second retry waits 2 s")
        clock.advance(by: .seconds(1))
        #expect(await queue.next() == "a")
        queue.settle("a", .requeue(after: .seconds(60)))
        queue.done("a")
        #expect(queue.failures(of: "a") == 0, "requeueAfter forgets the failures")
        clock.advance(by: .seconds(60))
        #expect(await queue.next() == "a")
        queue.settle("a", .terminal("bad manifest"))
        queue.done("a")
        clock.advance(by: .seconds(600))
        #expect(queue.count == 0 && queue.snapshot().waiting.isEmpty, "a terminal error is not retried")
    }

    @Test func theTokenBucketSpacesRetriesOfManyKeys() {
        let (queue, clock) = Self.queue(WorkQueueConfiguration(
            baseDelay: .milliseconds(5), maxDelay: .seconds(300), bucketRate: 2, bucketBurst: 3))
        let delays = ["a", "b", "c", "d", "e"].map { queue.addRateLimited($0) }
        #expect(delays == [.milliseconds(5), .milliseconds(5), .milliseconds(5), .milliseconds(500), .seconds(1)])
        clock.advance(by: .seconds(10))
        #expect(queue.addRateLimited("f") == .milliseconds(5), "the bucket refilled")
    }

    @Test func shutDownHandsOutWhatIsQueuedThenNilAndDrainsProcessing() async throws {
        let (queue, clock) = Self.queue()
        queue.add("a")
        queue.add("b")
        queue.add("later", after: .seconds(1))
        #expect(await queue.next() == "a")
        let drained = Task { await queue.shutDown(drain: true) }
        try await waitUntil("the queue shuts down") { queue.snapshot().isShuttingDown }
        queue.add("c")
        #expect(await queue.next() == "b")
        queue.done("b")
        #expect(await queue.next() == nil)
        clock.advance(by: .seconds(5))
        #expect(queue.count == 0, "waiting keys are dropped")
        queue.done("a")
        await drained.value
    }

    @Test func shutDownWithoutKeepingQueuedStartsNothingNewAndLetsProcessingFinish() async throws {
        let (queue, _) = Self.queue()
        queue.add("a")
        queue.add("b")
        #expect(await queue.next() == "a")
        queue.add("a")
        let drained = Task { await queue.shutDown(drain: true, keepQueued: false) }
        try await waitUntil("the queue shuts down") { queue.snapshot().isShuttingDown }
        #expect(await queue.next() == nil, "b was queued: dropped")
        #expect(queue.snapshot().processing == ["a"])
        queue.done("a")
        await drained.value
        #expect(queue.count == 0, "a was added while processing: not run again")
        #expect(await queue.next() == nil)
    }

    @Test func aCancelledNextReturnsNil() async {
        let (queue, _) = Self.queue()
        let waiting = Task { await queue.next() }
        waiting.cancel()
        #expect(await waiting.value == nil)
        queue.add("a")
        #expect(await queue.next() == "a")
    }
}

/// Records processing per key: how many run at once, and whether a run started after each key's last add.
private final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var tick = 0
    private var active: [String: Int] = [:]
    private var maxActive = 0
    private var runs = 0
    private var lastAdd: [String: Int] = [:]
    private var lastStart: [String: Int] = [:]

    /// Called just before `add`: a run that starts later can only be one that saw this add or a later one.
    func added(_ key: String) {
        lock.withLock {
            tick += 1
            lastAdd[key] = tick
        }
    }

    func start(_ key: String) {
        lock.withLock {
            tick += 1
            lastStart[key] = tick
            active[key, default: 0] += 1
            maxActive = max(maxActive, active[key]!)
            runs += 1
        }
    }

    func finish(_ key: String) { lock.withLock { active[key, default: 0] -= 1 } }
    var maxConcurrentPerKey: Int { lock.withLock { maxActive } }
    var totalRuns: Int { lock.withLock { runs } }
    var keysWithoutARunAfterTheirLastAdd: [String] {
        lock.withLock { lastAdd.filter { lastStart[$0.key, default: 0] < $0.value }.map(\.key).sorted() }
    }

    /// What a metrics provider is told, recorded.
    final class Recorded: WorkQueueMetrics, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var adds = 0
        private(set) var retries = 0
        private(set) var waits: [Duration] = []
        private(set) var works: [Duration] = []

        func added() { lock.withLock { adds += 1 } }
        func retried() { lock.withLock { retries += 1 } }
        func started(waited: Duration) { lock.withLock { waits.append(waited) } }
        func finished(worked: Duration) { lock.withLock { works.append(worked) } }
    }

    @Test func metricsCountNewAddsAndRetriesAndTimeWaitsAndWorkAsClientGoDoes() async throws {
        let clock = ManualClock()
        let recorded = Recorded()
        let queue = WorkQueue<String, ManualClock>(WorkQueueConfiguration(bucketRate: 0), clock: clock, random: { 0 }, metrics: recorded)
        queue.add("a")
        queue.add("a")
        queue.add("b")
        #expect(recorded.adds == 2, "a key already queued is not a new add")
        clock.advance(by: .seconds(3))
        #expect(await queue.next() == "a")
        #expect(recorded.waits == [.seconds(3)])
        clock.advance(by: .seconds(2))
        #expect(await queue.next() == "b")
        #expect(queue.load() == WorkQueueLoad(depth: 0, unfinishedWork: .seconds(2), longestRunning: .seconds(2)))
        clock.advance(by: .seconds(1))
        #expect(queue.load() == WorkQueueLoad(depth: 0, unfinishedWork: .seconds(4), longestRunning: .seconds(3)))
        queue.done("a")
        #expect(recorded.works == [.seconds(3)])
        queue.addRateLimited("b", error: "boom")
        queue.done("b")
        #expect(recorded.retries == 1)
        #expect(recorded.works == [.seconds(3), .seconds(1)])
        #expect(queue.load() == WorkQueueLoad(depth: 0, unfinishedWork: .zero, longestRunning: .zero))
    }
}
