import Foundation

/// Runs threads of a compiled graph, checkpointing after every step (StewardGraph's main type).
///
/// StewardGraph is a LangGraph-style engine that knows nothing of Steward:
///
/// ```swift
/// struct Job: GraphState {
///     var brief = ""
///     var log: [String] = []
///     var repo: String?
///     static let schema = StateSchema<Job>(.appending("log", \.log), .lastValue("repo", \.repo))
/// }
///
/// var builder = GraphBuilder<Job>()
/// builder.addNode("architect", writes: [\.repo]) { state, ctx in
///     let repo = try await ctx.effect("create-repo") { _ in try await forge.createRepo(state.brief) }
///     let name = try ctx.interrupt("Deploy \(repo) now?")   // pauses the thread until resume
///     return Update<Job>().setting(\.repo, name)
/// }
/// builder.addNode("tester", writes: [\.log], maxRuns: 3, timeout: .seconds(600)) { state, _ in … }
/// builder.addEdge(from: Graph.start, to: "architect")
/// builder.addEdge(from: "architect", to: "tester")
/// builder.addConditionalEdge(from: "tester", to: ["architect", Graph.end]) { $0.log.last == "ok" ? Graph.end : "architect" }
/// let graph = try builder.compile(maxSteps: 50)
///
/// let engine = GraphEngine(graph: graph, checkpointer: SQLCheckpointer(store: store))
/// var run = try await engine.start(thread: "shop#3", input: Job(brief: "a shop"))
/// if case .interrupted = run.status { run = try await engine.resume(thread: "shop#3", answer: "yes") }
/// ```
///
/// - Steps: every node made ready by the previous step runs concurrently on the same state; updates are
///   merged by the channels' reducers in node-name order. A node that throws or times out fails the
///   step: nothing of it is written, and `resume` retries it.
/// - Interrupts: `NodeContext.interrupt` pauses the thread; `resume(thread:answer:)` runs the
///   interrupted node again with the answer (nodes of that step that had finished are not re-run), also
///   from another process: the state and position come only from the checkpointer.
/// - Effects: `NodeContext.effect` records each side effect's result; a node run again never repeats one.
/// - Limits: `maxSteps` per run budget and `maxRuns` per node end the run as `.blocked`, not as an error.
/// - Checkpoints hold the step's writes and the position, with a full snapshot every
///   `GraphRunOptions.snapshotInterval` checkpoints; `state(thread:at:)` replays any of them.
/// - A thread runs at most once at a time: runs take the checkpointer's lease on the thread.
public struct GraphEngine<State: GraphState>: Sendable {
    /// The graph this engine runs.
    public let graph: CompiledGraph<State>
    /// Where threads are checkpointed; the only memory between runs and processes.
    public let checkpointer: any Checkpointer
    /// Snapshot interval, lease, clocks and the trace callback.
    public let options: GraphRunOptions

    /// An engine for `graph` over `checkpointer`; cheap, holds no state of its own.
    public init(graph: CompiledGraph<State>, checkpointer: any Checkpointer, options: GraphRunOptions = GraphRunOptions()) {
        self.graph = graph
        self.checkpointer = checkpointer
        self.options = options
    }

    // MARK: Public API

    /// Starts a new thread from `input` and runs it until it ends, is interrupted or blocked.
    /// - Throws: `threadExists` for a thread with checkpoints, `threadBusy`, or the failing step's
    ///   `nodeFailed` / `nodeTimedOut` (the thread is then `failed` and `resume` retries the step).
    public func start(thread: String, input: State) async throws -> GraphRun<State> {
        try await withLease(thread) { lease in
            guard try await checkpointer.replayChain(thread: thread, upTo: nil).isEmpty else {
                throw GraphError(
                    .threadExists, thread: thread,
                    "thread \(thread) already exists; resume it, or start a thread with another id"
                )
            }
            var progress: [Int: Set<String>] = [:]
            let frontier = try graph.successors(of: [Graph.start], joinProgress: &progress) { node, _, route in
                try choose(route, from: node, state: input, thread: thread)
            }
            var position = ThreadPosition(status: .running, step: 0, frontier: frontier)
            position.joinProgress = progress
            var loaded = LoadedThread(state: input, position: position, pending: [], sequence: -1)
            try await save(&loaded, thread: thread, nodes: [], writes: [], lease: lease, forceSnapshot: true)
            return try await drive(&loaded, thread: thread, lease: lease)
        }
    }

    /// Continues a thread that is interrupted, blocked, failed, or was running when its process stopped.
    /// - Parameters:
    ///   - answer: the answer to the pending question(s); recorded in a checkpoint before the node runs.
    ///   - node: which interrupted node the answer is for, when several asked; nil answers all.
    /// - Throws: `threadNotFound`, `threadFinished`, `threadBusy`, or a failing step's error.
    public func resume(thread: String, answer: String? = nil, node: String? = nil) async throws -> GraphRun<State> {
        try await withLease(thread) { lease in
            guard var loaded = try await load(thread: thread, upTo: nil) else {
                throw GraphError(.threadNotFound, thread: thread, "thread \(thread) has no checkpoints; start it first")
            }
            var position = loaded.position
            switch position.status {
            case .completed:
                throw GraphError(.threadFinished, thread: thread, "thread \(thread) already completed; nothing to resume")
            case .interrupted:
                if let answer {
                    let asked = position.interrupts.map(\.node).filter { node == nil || $0 == node }
                    guard !asked.isEmpty else {
                        throw GraphError(
                            .invalidAnswer, thread: thread, node: node,
                            "thread \(thread) has no question from node \(node ?? "?"); it waits on "
                                + position.interrupts.map(\.node).joined(separator: ", ")
                        )
                    }
                    for name in asked { position.answers[name, default: []].append(answer) }
                }
            case .blocked:
                position.budgetStart = position.step
                position.runs = [:]
            case .running, .failed:
                guard answer == nil else {
                    throw GraphError(
                        .invalidAnswer, thread: thread,
                        "thread \(thread) is \(position.status.rawValue), not waiting for an answer; resume it without one"
                    )
                }
            }
            if position.status != .running {
                position.status = .running
                position.interrupts = []
                position.message = nil
                loaded.position = position
                try await save(&loaded, thread: thread, nodes: [], writes: [], lease: lease)
            }
            return try await drive(&loaded, thread: thread, lease: lease)
        }
    }

    /// The state of a thread after checkpoint `sequence` (the latest when nil), rebuilt by replay.
    /// - Throws: `threadNotFound`, or `corruptCheckpoint` when a stored checkpoint cannot be decoded.
    public func state(thread: String, at sequence: Int? = nil) async throws -> State {
        guard let loaded = try await load(thread: thread, upTo: sequence) else {
            throw GraphError(.threadNotFound, thread: thread, "thread \(thread) has no checkpoints")
        }
        return loaded.state
    }

    /// The thread's latest position as a run result (status, state, step), nil for an unknown thread.
    public func current(thread: String) async throws -> GraphRun<State>? {
        try await load(thread: thread, upTo: nil).map { run(of: $0, thread: thread) }
    }

    /// Every checkpoint of the thread, oldest first (for `steward history`).
    public func history(thread: String) async throws -> [CheckpointSummary] {
        try await checkpointer.history(thread: thread)
    }

    // MARK: Loading and saving

    struct LoadedThread {
        var state: State
        var position: ThreadPosition
        var pending: [NodeWrites<State>]
        var sequence: Int
    }

    func load(thread: String, upTo sequence: Int?) async throws -> LoadedThread? {
        let chain = try await checkpointer.replayChain(thread: thread, upTo: sequence)
        guard let first = chain.first else { return nil }
        let decoder = JSONDecoder()
        func corrupt(_ checkpoint: Checkpoint, _ error: any Error) -> GraphError {
            GraphError(
                .corruptCheckpoint, thread: thread, underlying: error,
                "checkpoint \(checkpoint.sequence) of thread \(thread) cannot be decoded as \(State.self): \(error)"
            )
        }
        guard let snapshot = first.snapshot else {
            throw GraphError(.corruptCheckpoint, thread: thread, "checkpoint \(first.sequence) of thread \(thread) should hold a snapshot and does not")
        }
        var state: State
        var payload: CheckpointPayload<State>
        do {
            state = try decoder.decode(State.self, from: snapshot)
            payload = try decoder.decode(CheckpointPayload<State>.self, from: first.payload)
        } catch {
            throw corrupt(first, error)
        }
        var expected = first.sequence
        for checkpoint in chain.dropFirst() {
            expected += 1
            guard checkpoint.sequence == expected else {
                throw GraphError(.corruptCheckpoint, thread: thread, "thread \(thread) misses checkpoint \(expected)")
            }
            do {
                payload = try decoder.decode(CheckpointPayload<State>.self, from: checkpoint.payload)
            } catch {
                throw corrupt(checkpoint, error)
            }
            for writes in payload.writes { writes.update.apply(to: &state) }
        }
        return LoadedThread(state: state, position: payload.position, pending: payload.pending, sequence: expected)
    }

    /// Appends the next checkpoint: `writes` are already applied to `loaded.state`.
    func save(
        _ loaded: inout LoadedThread, thread: String, nodes: [String], writes: [NodeWrites<State>], lease: Lease,
        forceSnapshot: Bool = false
    ) async throws {
        try lease.check()
        let sequence = loaded.sequence + 1
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let payload = try encoder.encode(CheckpointPayload(position: loaded.position, writes: writes, pending: loaded.pending))
        let snapshot = forceSnapshot || sequence % max(options.snapshotInterval, 1) == 0 ? try encoder.encode(loaded.state) : nil
        try await checkpointer.append(
            Checkpoint(
                thread: thread, sequence: sequence, step: loaded.position.step, status: loaded.position.status,
                nodes: nodes, payload: payload, snapshot: snapshot, createdAt: options.now()
            )
        )
        loaded.sequence = sequence
    }

    func run(of loaded: LoadedThread, thread: String) -> GraphRun<State> {
        let status: GraphRunStatus = switch loaded.position.status {
        case .completed: .completed
        case .interrupted: .interrupted(loaded.position.interrupts)
        case .blocked: .blocked(loaded.position.message ?? "blocked")
        case .failed: .failed(loaded.position.message ?? "failed")
        case .running: .running
        }
        return GraphRun(
            thread: thread, status: status, state: loaded.state, step: loaded.position.step, sequence: loaded.sequence,
            interruptCount: loaded.position.interruptCount
        )
    }
}
