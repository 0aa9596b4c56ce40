import Foundation
import StewardCore
import StewardQueue

/// The controller's work queue alone (issue 13: over 50,000 no-op keys per second): `keys` distinct keys added and
/// processed by 1 and by 4 workers with a reconcile that does nothing; then the same keys added 10 times each while
/// they are processed (dedup and re-queue paths); then retries through the backoff (every key fails once).
struct WorkQueueBenchmark {
    var keys: Int

    func run() async {
        let names = (0..<keys).map { "project/p\($0)" }
        print("work queue, \(keys) keys, no-op reconcile (median of 5 rounds)")
        for workers in [1, 4] {
            let rate = await median { await distinct(names, workers: workers) }
            print(String(format: "  %d worker%@: %.0f keys/s", workers, workers == 1 ? "" : "s", rate))
        }
        let readds = await median { await readded(names, workers: 4) }
        print(String(format: "  4 workers, each key added 10 times while processing: %.0f adds/s", readds))
        let retries = await median { await retried(names, workers: 4) }
        print(String(format: "  4 workers, each key failing once then retried (1 ms backoff): %.0f keys/s", retries))
    }

    private func median(_ body: () async -> Double) async -> Double {
        var values: [Double] = []
        for _ in 0..<5 { values.append(await body()) }
        return values.sorted()[2]
    }

    /// Keys per second for `names` added once and processed.
    private func distinct(_ names: [String], workers: Int) async -> Double {
        let queue = WorkQueue<String, ContinuousClock>()
        let start = ContinuousClock.now
        for name in names { queue.add(name) }
        let done = Counter()
        let target = names.count
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await queue.runWorkers(workers) { _ in
                    if done.increment() == target { Task { await queue.shutDown(drain: false) } }
                    return .done
                }
            }
        }
        return Double(names.count) / (ContinuousClock.now - start).seconds
    }

    /// Adds per second when every key is added 10 times, interleaved with the workers.
    private func readded(_ names: [String], workers: Int) async -> Double {
        let queue = WorkQueue<String, ContinuousClock>()
        let start = ContinuousClock.now
        let runner = Task { await queue.runWorkers(workers) { _ in .done } }
        for _ in 0..<10 {
            for name in names { queue.add(name) }
            await Task.yield()
        }
        while queue.count > 0 || !queue.snapshot().processing.isEmpty { await Task.yield() }
        await queue.shutDown(drain: true)
        await runner.value
        return Double(names.count * 10) / (ContinuousClock.now - start).seconds
    }

    /// Keys per second when each fails once (retried through the backoff, bucket off) and then succeeds.
    private func retried(_ names: [String], workers: Int) async -> Double {
        let queue = WorkQueue<String, ContinuousClock>(
            WorkQueueConfiguration(baseDelay: .milliseconds(1), maxDelay: .milliseconds(1), bucketRate: 0))
        let start = ContinuousClock.now
        for name in names { queue.add(name) }
        let succeeded = Counter()
        let target = names.count
        await queue.runWorkers(workers) { key in
            if queue.failures(of: key) == 0 { return .failed("first try") }
            if succeeded.increment() == target { Task { await queue.shutDown(drain: false) } }
            return .done
        }
        return Double(names.count) / (ContinuousClock.now - start).seconds
    }
}

/// A thread-safe counter.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// - Returns: the value after the increment.
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
