import Foundation

/// Where a thread is, stored whole in every checkpoint (it is small); the state is stored as deltas.
struct ThreadPosition: Codable, Sendable, Hashable {
    var status: ThreadStatus
    /// Steps completed.
    var step: Int
    /// The nodes of the next (or interrupted) step, sorted.
    var frontier: [String]
    /// Join index -> sources that ran since the join last fired.
    var joins: [Int: [String]] = [:]
    /// How often each node ran since the budget began.
    var runs: [String: Int] = [:]
    /// The step at which the current step budget (`maxSteps`) began.
    var budgetStart = 0
    /// Answers to the current step's interrupts, per node.
    var answers: [String: [String]] = [:]
    /// The questions the thread waits on.
    var interrupts: [Interruption] = []
    /// How many times the thread has been interrupted.
    var interruptCount = 0
    /// Why the thread is blocked or failed.
    var message: String?

    var joinProgress: [Int: Set<String>] {
        get { joins.mapValues(Set.init) }
        set { joins = newValue.mapValues { $0.sorted() } }
    }
}

/// What one checkpoint stores: the writes of its step (in node-name order), the writes of nodes that
/// finished in a step that is still waiting (interrupted), and the position.
struct CheckpointPayload<State: GraphState>: Codable {
    var position: ThreadPosition
    var writes: [NodeWrites<State>]
    var pending: [NodeWrites<State>]
}

/// One node's update.
struct NodeWrites<State: GraphState>: Codable, Sendable {
    let node: String
    let update: Update<State>
}

/// A question a node asked.
public struct Interruption: Sendable, Hashable, Codable {
    /// The node that asked (for a subgraph: the subgraph's node in this graph).
    public let node: String
    public let question: String

    public init(node: String, question: String) {
        self.node = node
        self.question = question
    }
}
