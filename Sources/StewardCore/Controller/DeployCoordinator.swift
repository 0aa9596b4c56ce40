import Foundation
import StewardModel

/// Batches the controller's deploys (docs/ARCHITECTURE.md §4): deploys with Steward's own playbook that become ready
/// within `window` of each other share one `ansible-playbook` run (up to `limit` projects, the setting
/// `concurrency`), as a pass's deploys do; each key waits for its own project's outcome. A deploy with a config repo's
/// playbook never comes here (it may expect its server as the inventory host), and neither does any with
/// `concurrency: 1`. Drift checks (`intervals.driftCheck`) are batched the same way, in runs of their own
/// (`--check --diff`).
public final class DeployCoordinator: @unchecked Sendable {
    /// What one project's deploy came to: its failures (none when it succeeded) and whether a playbook ran.
    public struct Outcome: Sendable {
        public var failures: [String]
        public var playbookRuns: Int
        /// A drift check's record.
        public var drift: DriftRecord?
    }

    private struct Entry {
        var deploy: PreparedDeploy
        var continuation: CheckedContinuation<Outcome, Never>
    }

    /// Deploys and drift checks of one playbook each share runs; a deploy never shares one with a check.
    private struct BatchKey: Hashable {
        var playbook: PlaybookSource
        var check: Bool
    }

    private struct Batch {
        var id: UInt64
        var loaded: LoadedConfig
        var limit: Int
        var check: Bool
        var entries: [Entry] = []
    }

    public let window: Duration
    private let reconciler: Reconciler
    private let lock = NSLock()
    private var open: [BatchKey: Batch] = [:]
    private var nextID: UInt64 = 0
    private var running: [UInt64: Task<Void, Never>] = [:]

    /// How many deploys could still join a batch now (the controller's object keys in flight or queued); a batch
    /// holding that many starts at once instead of waiting out its window.
    private let inFlight: @Sendable () -> Int

    public init(
        reconciler: Reconciler, window: Duration = .milliseconds(250), inFlight: @escaping @Sendable () -> Int = { .max }
    ) {
        self.reconciler = reconciler
        self.window = window
        self.inFlight = inFlight
    }

    /// Runs `deploy` (or with `check`, its drift check) in the batch open for its playbook (opening one that closes
    /// after `window`, or at once when full) and returns its project's outcome once the batch has been recorded.
    func run(_ deploy: PreparedDeploy, loaded: LoadedConfig, check: Bool = false) async -> Outcome {
        await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let playbook = BatchKey(playbook: deploy.plan.playbook, check: check)
            let limit = max(1, loaded.desired.settings.concurrency)
            let inFlight = self.inFlight()
            let (full, opened): (Batch?, UInt64?) = lock.withLock {
                var opened: UInt64?
                if open[playbook] == nil {
                    nextID += 1
                    open[playbook] = Batch(id: nextID, loaded: loaded, limit: limit, check: check)
                    opened = nextID
                }
                open[playbook]!.entries.append(Entry(deploy: deploy, continuation: continuation))
                // Full, or every key that could still deploy is already waiting in it (a lone commit's deploy starts
                // without waiting out the window).
                let count = open[playbook]!.entries.count
                guard count >= open[playbook]!.limit || count >= inFlight else { return (nil, opened) }
                return (open.removeValue(forKey: playbook), opened)
            }
            if let full {
                start(full)
            } else if let opened {
                Task { await self.closeWhenDue(playbook, id: opened) }
            }
        }
    }

    /// Starts the batch `id` once its window has passed, or sooner once every key that could still deploy is waiting
    /// in it: a key that was in flight when the last deploy joined (a server's reconcile, a project that needed no
    /// deploy) may finish without joining, and the batch need not wait out the rest of its window for it.
    private func closeWhenDue(_ playbook: BatchKey, id: UInt64) async {
        let deadline = ContinuousClock.now + window
        while ContinuousClock.now < deadline {
            try? await Task.sleep(for: min(Self.recheck, deadline - ContinuousClock.now))
            let inFlight = self.inFlight()
            // Started already (it filled up) or every key that could still deploy is in it.
            let ready: Bool = lock.withLock {
                guard let batch = open[playbook], batch.id == id else { return true }
                return batch.entries.count >= inFlight
            }
            if ready { break }
        }
        let due: Batch? = lock.withLock {
            guard open[playbook]?.id == id else { return nil }
            return open.removeValue(forKey: playbook)
        }
        if let due { start(due) }
    }

    /// How often an open batch looks again whether every key that could still deploy has joined it.
    static let recheck: Duration = .milliseconds(50)

    /// Ends the running batches' Ansible runs (a controller whose shutdown grace ran out): each is recorded
    /// `interrupted` and its projects stay `deploying`, redone on the next start.
    public func cancelRunning() {
        lock.withLock { Array(running.values) }.forEach { $0.cancel() }
    }

    private func start(_ batch: Batch) {
        // Registered under the lock the task takes to remove itself, so it can never finish before it is registered.
        lock.withLock {
            let projects = batch.entries.map(\.deploy.plan.project)
            let what = batch.check ? "drift checks" : "deploys"
            reconciler.logger.info("one ansible-playbook for \(projects.count) \(what)", metadata: [
                "action": batch.check ? "drift_batch" : "deploy_batch", "projects": "\(projects.joined(separator: ","))",
                "playbook": "\(batch.entries[0].deploy.plan.playbook.playbook)",
            ])
            running[batch.id] = Task {
                var executor = ActionExecutor(reconciler: reconciler, loaded: batch.loaded)
                var thrown: String?
                var drifts: [String: DriftRecord] = [:]
                do {
                    if batch.check {
                        for drift in try await executor.runChecks(batch.entries.map(\.deploy), forks: batch.limit) {
                            drifts[drift.project] = drift
                        }
                    } else {
                        try await executor.runDeploys(batch.entries.map(\.deploy), forks: batch.limit)
                    }
                } catch {
                    thrown = "\(error)"
                }
                for entry in batch.entries {
                    let key = "Project/\(entry.deploy.plan.project)"
                    var failures = executor.failures.filter { $0.hasPrefix("\(key):") }
                    if let thrown { failures.append("\(key): \(batch.check ? "drift check" : "deploy") failed: \(thrown)") }
                    entry.continuation.resume(returning: Outcome(
                        failures: failures, playbookRuns: 1, drift: drifts[entry.deploy.plan.project]))
                }
                _ = self.lock.withLock { self.running.removeValue(forKey: batch.id) }
            }
        }
    }
}
