import Foundation

/// One finished step of a thread, for logs (`project=… step=3 nodes=zavhoz,engineering duration_ms=…`).
public struct GraphEvent: Sendable, Hashable {
    /// How the step ended.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Every node returned; their updates were merged and checkpointed.
        case completed
        /// A node asked a question; the thread waits for `resume(thread:answer:)`.
        case interrupted
        /// A node threw or timed out; nothing was written.
        case failed
        /// A limit was reached before the step ran; the thread is `blocked`.
        case blocked
    }

    /// The thread id.
    public let thread: String
    /// The step's number, from 0.
    public let step: Int
    /// The nodes of the step, sorted.
    public let nodes: [String]
    /// How the step ended.
    public let status: Status
    /// Wall time of the step (all nodes, run concurrently).
    public let duration: Duration
    /// Each node's own time.
    public let nodeDurations: [String: Duration]
    /// The question, failure or limit, when there is one.
    public let message: String?
}
