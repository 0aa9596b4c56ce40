/// What one reconcile of a key asks of the queue (controller-runtime's `reconcile.Result` and error, as one switch).
public enum WorkOutcome: Sendable, Equatable {
    /// Done: the key's backoff is reset; it comes back only when it is added again.
    case done
    /// Done for now; queue it again after this delay (a poll), its backoff reset.
    case requeue(after: Duration)
    /// Failed: retried after its backoff (growing with each failure in a row), the error kept for status.
    case failed(String)
    /// Failed in a way a retry cannot fix (a bad manifest): not retried until the key is added again.
    case terminal(String)
}

extension WorkQueue {
    /// Runs `workers` workers until the queue is shut down and empty: each takes a key, reconciles it, settles the
    /// outcome (controller-runtime's `reconcileHandler`) and marks the key done. Two workers never hold one key.
    public func runWorkers(
        _ workers: Int, reconcile: @escaping @Sendable (Key) async -> WorkOutcome
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, workers) {
                group.addTask {
                    while let key = await self.next() {
                        self.settle(key, await reconcile(key))
                        self.done(key)
                    }
                }
            }
        }
    }

    /// Applies one reconcile's outcome to `key` (before `done`, as client-go does).
    public func settle(_ key: Key, _ outcome: WorkOutcome) {
        switch outcome {
        case .done, .terminal:
            forget(key)
        case .requeue(let delay):
            forget(key)
            add(key, after: delay)
        case .failed(let error):
            addRateLimited(key, error: error)
        }
    }
}
