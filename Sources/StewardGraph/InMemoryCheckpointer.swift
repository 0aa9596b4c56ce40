import Foundation

/// Checkpoints in this process's memory, for tests and for graphs that need no restart.
public actor InMemoryCheckpointer: Checkpointer {
    private var checkpoints: [String: [Checkpoint]] = [:]
    private var effects: [EffectKey: (attempts: Int, result: Data?)] = [:]
    private var leases: [String: (owner: String, expiresAt: Date)] = [:]

    /// An empty checkpointer.
    public init() {}

    public func append(_ checkpoint: Checkpoint) throws {
        let existing = checkpoints[checkpoint.thread, default: []]
        guard checkpoint.sequence == existing.count else {
            throw GraphError(
                .corruptCheckpoint, thread: checkpoint.thread,
                "checkpoint \(checkpoint.sequence) of thread \(checkpoint.thread) is out of sequence: the thread has \(existing.count); another run wrote it"
            )
        }
        checkpoints[checkpoint.thread, default: []].append(checkpoint)
    }

    public func replayChain(thread: String, upTo sequence: Int?) -> [Checkpoint] {
        let all = checkpoints[thread, default: []]
        let last = min(sequence ?? all.count - 1, all.count - 1)
        guard last >= 0 else { return [] }
        let first = all[...last].lastIndex { $0.snapshot != nil } ?? 0
        return Array(all[first...last])
    }

    public func history(thread: String) -> [CheckpointSummary] {
        checkpoints[thread, default: []].map(\.summary)
    }

    public func beginEffect(_ key: EffectKey, at time: Date) -> EffectRecord {
        if let existing = effects[key], let result = existing.result {
            return EffectRecord(attempts: existing.attempts, result: result)
        }
        let attempts = (effects[key]?.attempts ?? 0) + 1
        effects[key] = (attempts, nil)
        return EffectRecord(attempts: attempts, result: nil)
    }

    public func finishEffect(_ key: EffectKey, result: Data, at time: Date) {
        effects[key] = ((effects[key]?.attempts ?? 1), result)
    }

    public func acquireLease(thread: String, owner: String, now: Date, expiresAt: Date) throws {
        if let lease = leases[thread], lease.owner != owner, lease.expiresAt > now {
            throw GraphError.threadBusy(thread: thread, owner: lease.owner, until: lease.expiresAt)
        }
        leases[thread] = (owner, expiresAt)
    }

    public func renewLease(thread: String, owner: String, expiresAt: Date) throws {
        if let lease = leases[thread], lease.owner != owner {
            throw GraphError.threadBusy(thread: thread, owner: lease.owner, until: lease.expiresAt)
        }
        leases[thread] = (owner, expiresAt)
    }

    public func releaseLease(thread: String, owner: String) {
        if leases[thread]?.owner == owner { leases[thread] = nil }
    }
}

extension GraphError {
    /// The error both checkpointers raise for a thread another run holds.
    public static func threadBusy(thread: String, owner: String, until: Date) -> GraphError {
        GraphError(
            .threadBusy, thread: thread,
            "thread \(thread) is already running (lease held by \(owner) until \(until.formatted(.iso8601))); "
                + "a thread runs at most once at a time: wait for that run to finish, or for its lease to expire if it crashed"
        )
    }
}
