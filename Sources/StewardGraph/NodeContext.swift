import Foundation

/// What a running node can do besides returning its update: ask a person (`interrupt`) and perform side
/// effects that are recorded so they never run twice (`effect`).
///
/// `@unchecked Sendable`: the counters are guarded by `lock`.
public final class NodeContext: @unchecked Sendable {
    /// The thread being run.
    public let thread: String
    /// This node's name.
    public let node: String
    /// The step being run, from 0; a node re-run after an interrupt or crash sees the same step.
    public let step: Int
    /// Answers to this node's earlier interrupts in this step, in order.
    let answers: [String]
    let checkpointer: any Checkpointer
    let options: GraphRunOptions

    private let lock = NSLock()
    private var nextInterrupt = 0
    private var effectNames: [String: Int] = [:]
    private var ended = false

    init(thread: String, node: String, step: Int, answers: [String], checkpointer: any Checkpointer, options: GraphRunOptions) {
        self.thread = thread
        self.node = node
        self.step = step
        self.answers = answers
        self.checkpointer = checkpointer
        self.options = options
    }

    /// Pauses the thread with `question` until `GraphEngine.resume(thread:answer:)`, which runs this node
    /// again from its start: this call then returns the answer. Effects recorded before it are not repeated.
    ///
    /// A node may ask several questions; each call is matched to the answers in order. Do not catch the
    /// error this throws: it is how the engine learns of the question.
    /// - Returns: the person's answer.
    public func interrupt(_ question: String) throws -> String {
        let index = lock.withLock {
            defer { nextInterrupt += 1 }
            return nextInterrupt
        }
        if let answer = answer(at: index) { return answer }
        throw NodeInterruptSignal(question: question)
    }

    /// The answer to this node's interrupt number `index` (0-based), when given.
    func answer(at index: Int) -> String? {
        index < answers.count ? answers[index] : nil
    }

    /// Performs a side effect at most once per thread step: when this node runs again (after an interrupt,
    /// a failure or a crash) an effect that already finished returns its recorded result and `body` does
    /// not run.
    ///
    /// The start is recorded before `body` runs and the result before this returns, so a crash in between
    /// shows as a second attempt (`attempt.isRetry`): `body` should then look for what the first attempt
    /// may have done (a repository created but not recorded) before doing it again.
    /// - Parameters:
    ///   - name: unique within the node; a repeated name is numbered (`name#2`) in call order.
    ///   - body: the effect; its result is stored as JSON.
    /// - Throws: `body`'s error, a checkpointer error, or `effectAfterNodeEnded` when the node already
    ///   timed out or was cancelled.
    public func effect<Result: Codable & Sendable>(
        _ name: String, _ body: (EffectAttempt) async throws -> Result
    ) async throws -> Result {
        let key = lock.withLock {
            let count = (effectNames[name] ?? 0) + 1
            effectNames[name] = count
            return EffectKey(thread: thread, step: step, node: node, name: count == 1 ? name : "\(name)#\(count)")
        }
        try checkStillRunning(key)
        let record = try await checkpointer.beginEffect(key, at: options.now())
        if let stored = record.result {
            do {
                return try JSONDecoder().decode(EffectBox<Result>.self, from: stored).value
            } catch {
                throw GraphError(
                    .corruptCheckpoint, thread: thread, node: node, underlying: error,
                    "the recorded result of effect \(key.name) of node \(node) (thread \(thread), step \(step)) is not a \(Result.self): \(error)"
                )
            }
        }
        let result = try await body(EffectAttempt(number: record.attempts))
        try checkStillRunning(key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await checkpointer.finishEffect(key, result: try encoder.encode(EffectBox(value: result)), at: options.now())
        return result
    }

    /// Marks the node as finished (returned, failed, timed out or cancelled): later effects are refused.
    func end() {
        lock.withLock { ended = true }
    }

    private func checkStillRunning(_ key: EffectKey) throws {
        if lock.withLock({ ended }) || Task.isCancelled {
            throw GraphError(
                .effectAfterNodeEnded, thread: thread, node: node,
                "node \(node) of thread \(thread) tried to record effect \(key.name) after it was cancelled or timed out; "
                    + "the effect was not recorded as done"
            )
        }
    }
}

/// Which attempt of an effect is running.
public struct EffectAttempt: Sendable, Hashable {
    /// 1 for the first; more when an earlier attempt started and recorded no result (it failed or the
    /// process died).
    public let number: Int
    /// Whether an earlier attempt may have done part of the work.
    public var isRetry: Bool { number > 1 }
}

/// How a node tells the engine it asked a question.
struct NodeInterruptSignal: Error, Sendable {
    let question: String
}

/// How a subgraph node tells the engine its subgraph hit a loop limit.
struct NodeBlockedSignal: Error, Sendable {
    let reason: String
}

/// An effect's result wrapped in an object, so any `Codable` (a bare string or number too) encodes.
struct EffectBox<Value: Codable>: Codable {
    let value: Value
}
