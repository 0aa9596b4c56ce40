import Foundation

/// Where a thread's checkpoints, recorded side effects and run lease live (`InMemoryCheckpointer`,
/// StewardStore's `SQLCheckpointer`).
///
/// A checkpointer stores bytes and knows nothing of state types: the engine encodes each checkpoint's
/// payload (the writes of one step and the thread's position) and rebuilds the state by replaying
/// payloads from the latest full snapshot. Implementations must make `append` and the lease calls atomic
/// across every engine sharing the storage (other processes included).
public protocol Checkpointer: Sendable {
    /// Stores the next checkpoint of a thread.
    /// - Throws: when `checkpoint.sequence` is not one past the thread's latest (a concurrent writer).
    func append(_ checkpoint: Checkpoint) async throws

    /// The checkpoints needed to rebuild a thread at `sequence` (the latest when nil): from the newest
    /// checkpoint with a snapshot at or before it, through it, in order. Empty for an unknown thread.
    func replayChain(thread: String, upTo sequence: Int?) async throws -> [Checkpoint]

    /// Every checkpoint of a thread, oldest first, without payloads.
    func history(thread: String) async throws -> [CheckpointSummary]

    /// Marks an effect as started and returns its record: a stored result means it already ran, and
    /// `attempts` counts starts (more than 1: an earlier attempt began and never recorded a result).
    func beginEffect(_ key: EffectKey, at time: Date) async throws -> EffectRecord

    /// Stores an effect's encoded result; later `beginEffect` calls return it.
    func finishEffect(_ key: EffectKey, result: Data, at time: Date) async throws

    /// Takes the thread's run lease for `owner` until `expiresAt`.
    /// - Throws: `GraphError.Kind.threadBusy` when another owner holds an unexpired lease.
    func acquireLease(thread: String, owner: String, now: Date, expiresAt: Date) async throws

    /// Extends a lease `owner` holds.
    /// - Throws: `GraphError.Kind.threadBusy` when the lease expired and another owner took it.
    func renewLease(thread: String, owner: String, expiresAt: Date) async throws

    /// Gives up a lease `owner` holds (no effect when another owner holds it).
    func releaseLease(thread: String, owner: String) async throws
}

/// Where a thread stands after a checkpoint.
public enum ThreadStatus: String, Sendable, Hashable, Codable {
    /// Steps remain (or a process stopped mid-step); `resume` continues.
    case running
    /// A node asked a question; `resume(thread:answer:)` continues.
    case interrupted
    /// A step failed; `resume` retries it.
    case failed
    /// A loop limit was reached; `resume` grants a fresh budget.
    case blocked
    /// The thread reached its end.
    case completed
}

/// One stored checkpoint of a thread.
public struct Checkpoint: Sendable, Hashable {
    /// The thread id.
    public let thread: String
    /// 0 for the input, then one more per checkpoint.
    public let sequence: Int
    /// The step the thread is at after this checkpoint (steps completed so far).
    public let step: Int
    /// Where the thread stands after this checkpoint.
    public let status: ThreadStatus
    /// The nodes whose writes this checkpoint holds, or that were interrupted or failed.
    public let nodes: [String]
    /// The engine's encoding of the step's writes and the thread's position (JSON).
    public let payload: Data
    /// The full state after this checkpoint (JSON), every few checkpoints and on the first.
    public let snapshot: Data?
    /// When it was written.
    public let createdAt: Date

    /// A checkpoint as the engine writes it or a checkpointer reads it back.
    public init(
        thread: String, sequence: Int, step: Int, status: ThreadStatus, nodes: [String], payload: Data, snapshot: Data?,
        createdAt: Date
    ) {
        self.thread = thread
        self.sequence = sequence
        self.step = step
        self.status = status
        self.nodes = nodes
        self.payload = payload
        self.snapshot = snapshot
        self.createdAt = createdAt
    }

    /// What `history` lists for this checkpoint.
    public var summary: CheckpointSummary {
        CheckpointSummary(
            thread: thread, sequence: sequence, step: step, status: status, nodes: nodes, createdAt: createdAt,
            payloadBytes: payload.count, snapshotBytes: snapshot?.count ?? 0
        )
    }
}

/// A checkpoint as `history` lists it.
public struct CheckpointSummary: Sendable, Hashable {
    /// The thread id.
    public let thread: String
    /// 0 for the input, then one more per checkpoint; pass it to `GraphEngine.state(thread:at:)`.
    public let sequence: Int
    /// Steps completed at this checkpoint.
    public let step: Int
    /// Where the thread stood.
    public let status: ThreadStatus
    /// The nodes whose writes it holds, or that were interrupted, failed or blocked.
    public let nodes: [String]
    /// When it was written.
    public let createdAt: Date
    /// Bytes of the delta payload.
    public let payloadBytes: Int
    /// Bytes of the full snapshot, 0 when the checkpoint has none.
    public let snapshotBytes: Int

    /// A summary as a checkpointer lists it.
    public init(
        thread: String, sequence: Int, step: Int, status: ThreadStatus, nodes: [String], createdAt: Date,
        payloadBytes: Int, snapshotBytes: Int
    ) {
        self.thread = thread
        self.sequence = sequence
        self.step = step
        self.status = status
        self.nodes = nodes
        self.createdAt = createdAt
        self.payloadBytes = payloadBytes
        self.snapshotBytes = snapshotBytes
    }
}

/// Identifies one side effect: the thread, the step and node that performed it, and its name in the node.
public struct EffectKey: Sendable, Hashable, Codable {
    /// The thread the effect belongs to.
    public let thread: String
    /// The step the node ran in.
    public let step: Int
    /// The node that performed it.
    public let node: String
    /// The name given to `NodeContext.effect`, with `#2`, `#3`… for repeated names in one node.
    public let name: String

    /// The key of one effect.
    public init(thread: String, step: Int, node: String, name: String) {
        self.thread = thread
        self.step = step
        self.node = node
        self.name = name
    }
}

/// What a checkpointer knows of an effect.
public struct EffectRecord: Sendable, Hashable {
    /// How many times it was started, this time included.
    public let attempts: Int
    /// The encoded result, when it finished.
    public let result: Data?

    /// A record as a checkpointer returns it.
    public init(attempts: Int, result: Data?) {
        self.attempts = attempts
        self.result = result
    }
}
