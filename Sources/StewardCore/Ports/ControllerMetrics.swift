import StewardQueue

/// Where the controller reports what `/metrics` counts (docs/ARCHITECTURE.md §10); the HTTP surface implements it.
public protocol ControllerMetrics: Sendable {
    /// One reconcile of a key: its kind (`ObjectKey.kind`), result (`WorkOutcome.result`) and duration.
    func reconciled(kind: String, result: String, duration: Duration)
}

extension WorkOutcome {
    /// The metric label of the outcome: `done`, `requeue`, `failed` or `terminal`.
    public var result: String {
        switch self {
        case .done: "done"
        case .requeue: "requeue"
        case .failed: "failed"
        case .terminal: "terminal"
        }
    }
}
