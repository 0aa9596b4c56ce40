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

extension ThreadPosition {
    private enum CodingKeys: String, CodingKey {
        case status, step, frontier, joins, runs, budgetStart, answers, interrupts, interruptCount, message
    }

    /// Leaves out empty and zero fields: the position is stored in every checkpoint, so its size is
    /// most of a small step's delta.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status, forKey: .status)
        try container.encode(step, forKey: .step)
        try container.encode(frontier, forKey: .frontier)
        if !joins.isEmpty { try container.encode(joins, forKey: .joins) }
        if !runs.isEmpty { try container.encode(runs, forKey: .runs) }
        if budgetStart != 0 { try container.encode(budgetStart, forKey: .budgetStart) }
        if !answers.isEmpty { try container.encode(answers, forKey: .answers) }
        if !interrupts.isEmpty { try container.encode(interrupts, forKey: .interrupts) }
        if interruptCount != 0 { try container.encode(interruptCount, forKey: .interruptCount) }
        try container.encodeIfPresent(message, forKey: .message)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(ThreadStatus.self, forKey: .status)
        step = try container.decode(Int.self, forKey: .step)
        frontier = try container.decode([String].self, forKey: .frontier)
        joins = try container.decodeIfPresent([Int: [String]].self, forKey: .joins) ?? [:]
        runs = try container.decodeIfPresent([String: Int].self, forKey: .runs) ?? [:]
        budgetStart = try container.decodeIfPresent(Int.self, forKey: .budgetStart) ?? 0
        answers = try container.decodeIfPresent([String: [String]].self, forKey: .answers) ?? [:]
        interrupts = try container.decodeIfPresent([Interruption].self, forKey: .interrupts) ?? []
        interruptCount = try container.decodeIfPresent(Int.self, forKey: .interruptCount) ?? 0
        message = try container.decodeIfPresent(String.self, forKey: .message)
    }
}

extension CheckpointPayload {
    private enum CodingKeys: String, CodingKey { case position, writes, pending }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(position, forKey: .position)
        if !writes.isEmpty { try container.encode(writes, forKey: .writes) }
        if !pending.isEmpty { try container.encode(pending, forKey: .pending) }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        position = try container.decode(ThreadPosition.self, forKey: .position)
        writes = try container.decodeIfPresent([NodeWrites<State>].self, forKey: .writes) ?? []
        pending = try container.decodeIfPresent([NodeWrites<State>].self, forKey: .pending) ?? []
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
    /// What it asked.
    public let question: String

    /// A question of `node`.
    public init(node: String, question: String) {
        self.node = node
        self.question = question
    }
}
