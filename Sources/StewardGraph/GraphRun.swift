import Foundation

/// How a run of a thread ended.
public struct GraphRun<State: GraphState>: Sendable {
    /// The thread id.
    public let thread: String
    /// Where the run stopped.
    public let status: GraphRunStatus
    /// The state after the last completed step.
    public let state: State
    /// Steps completed.
    public let step: Int
    /// The latest checkpoint's sequence number.
    public let sequence: Int
    /// How many times the thread has been interrupted (matches answers to a subgraph's questions).
    let interruptCount: Int
}

/// Where a run stopped.
public enum GraphRunStatus: Sendable, Hashable {
    /// The thread reached its end.
    case completed
    /// Nodes asked questions; answer with `resume(thread:answer:)`.
    case interrupted([Interruption])
    /// A loop limit was reached; the reason names it. `resume` grants a fresh budget.
    case blocked(String)
    /// Only from `current(thread:)`: the thread was mid-step when its run stopped; `resume` continues.
    case running
    /// Only from `current(thread:)`: a step failed (the message says why); `resume` retries it.
    case failed(String)
}
