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
/// let engine = GraphEngine(graph: graph, checkpointer: SQLiteCheckpointer(store: store))
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
                            .threadNotFound, thread: thread, node: node,
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
                        .invalidUpdate, thread: thread,
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
    private func save(
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

    private func run(of loaded: LoadedThread, thread: String) -> GraphRun<State> {
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

    // MARK: Running steps

    private func drive(_ loaded: inout LoadedThread, thread: String, lease: Lease) async throws -> GraphRun<State> {
        while true {
            var position = loaded.position
            if position.frontier.isEmpty {
                position.status = .completed
                loaded.position = position
                try await save(&loaded, thread: thread, nodes: [], writes: [], lease: lease)
                return run(of: loaded, thread: thread)
            }
            if let reason = limitReached(position, thread: thread) {
                return try await block(&loaded, thread: thread, reason: reason, lease: lease)
            }

            let started = ContinuousClock.now
            let waiting = Set(loaded.pending.map(\.node))
            let outcomes = await runStep(
                position.frontier.filter { !waiting.contains($0) }, state: loaded.state, position: position, thread: thread
            )
            let durations = outcomes.mapValues(\.duration)
            let (stepNumber, stepNodes) = (position.step, position.frontier)
            func emit(_ status: GraphEvent.Status, _ message: String?) {
                options.onEvent?(
                    GraphEvent(
                        thread: thread, step: stepNumber, nodes: stepNodes, status: status,
                        duration: ContinuousClock.now - started, nodeDurations: durations, message: message
                    )
                )
            }

            var updates = loaded.pending
            var failures: [GraphError] = []
            var interrupts: [Interruption] = []
            var blocked: [String] = []
            for (node, outcome) in outcomes.sorted(by: { $0.key < $1.key }) {
                switch outcome.result {
                case .success(let update):
                    if let error = validate(update, of: node, thread: thread, step: position.step) {
                        failures.append(error)
                    } else {
                        updates.append(NodeWrites(node: node, update: update))
                    }
                case .failure(let signal as NodeInterruptSignal):
                    interrupts.append(Interruption(node: node, question: signal.question))
                case .failure(let signal as NodeBlockedSignal):
                    blocked.append(signal.reason)
                case .failure(let error as GraphError):
                    failures.append(error)
                case .failure(let error):
                    failures.append(
                        GraphError(
                            .nodeFailed, thread: thread, node: node, underlying: error,
                            "node \(node) failed in step \(position.step) of thread \(thread): \(error); the step wrote nothing"
                        )
                    )
                }
            }
            updates.sort { $0.node < $1.node }
            if failures.isEmpty, interrupts.isEmpty, blocked.isEmpty, let conflict = lastValueConflict(updates, thread: thread) {
                failures.append(conflict)
            }

            if !failures.isEmpty {
                // Siblings cancelled because of the first failure report CancellationError; name the cause.
                let cause = failures.first { !($0.underlying is CancellationError) } ?? failures[0]
                position.status = .failed
                position.message = cause.message
                loaded.position = position
                try await save(&loaded, thread: thread, nodes: failures.compactMap(\.node), writes: [], lease: lease)
                emit(.failed, cause.message)
                throw cause
            }
            if !interrupts.isEmpty || !blocked.isEmpty {
                // Nodes that finished keep their updates until the step completes; they do not run again.
                loaded.pending = updates
                if blocked.isEmpty {
                    position.status = .interrupted
                    position.interrupts = interrupts
                    position.interruptCount += 1
                    loaded.position = position
                    try await save(&loaded, thread: thread, nodes: interrupts.map(\.node), writes: [], lease: lease)
                    emit(.interrupted, interrupts.map { "\($0.node): \($0.question)" }.joined(separator: "; "))
                    return run(of: loaded, thread: thread)
                }
                return try await block(&loaded, thread: thread, reason: blocked.joined(separator: "; "), lease: lease)
            }

            var state = loaded.state
            for writes in updates { writes.update.apply(to: &state) }
            var progress = position.joinProgress
            let next: [String]
            do {
                next = try graph.successors(of: position.frontier, joinProgress: &progress) { node, _, route in
                    try choose(route, from: node, state: state, thread: thread)
                }
            } catch let error as GraphError {
                position.status = .failed
                position.message = error.message
                loaded.position = position
                try await save(&loaded, thread: thread, nodes: [], writes: [], lease: lease)
                emit(.failed, error.message)
                throw error
            }
            for node in position.frontier { position.runs[node, default: 0] += 1 }
            position.step += 1
            position.frontier = next
            position.joinProgress = progress
            position.answers = [:]
            // The step that reaches the end is also the thread's last checkpoint.
            position.status = next.isEmpty ? .completed : .running
            position.message = nil
            loaded.state = state
            loaded.pending = []
            loaded.position = position
            try await save(&loaded, thread: thread, nodes: updates.map(\.node), writes: updates, lease: lease)
            emit(.completed, nil)
            if next.isEmpty { return run(of: loaded, thread: thread) }
        }
    }

    private func block(_ loaded: inout LoadedThread, thread: String, reason: String, lease: Lease) async throws -> GraphRun<State> {
        loaded.position.status = .blocked
        loaded.position.message = reason
        try await save(&loaded, thread: thread, nodes: loaded.position.frontier, writes: [], lease: lease)
        options.onEvent?(
            GraphEvent(
                thread: thread, step: loaded.position.step, nodes: loaded.position.frontier, status: .blocked,
                duration: .zero, nodeDurations: [:], message: reason
            )
        )
        return run(of: loaded, thread: thread)
    }

    private func limitReached(_ position: ThreadPosition, thread: String) -> String? {
        if position.step - position.budgetStart >= graph.maxSteps {
            return "thread \(thread) ran \(graph.maxSteps) steps without reaching its end (maxSteps \(graph.maxSteps)); "
                + "next: \(position.frontier.joined(separator: ", "))"
        }
        for node in position.frontier {
            if let limit = graph.nodes[node]?.maxRuns, position.runs[node, default: 0] >= limit {
                return "node \(node) of thread \(thread) already ran \(limit) times (maxRuns \(limit))"
            }
        }
        return nil
    }

    private func choose(_ route: Route<State>, from node: String, state: State, thread: String) throws -> [String] {
        let chosen = route.choose(state)
        let allowed = Set(route.targets).union([Graph.end])
        if let wrong = chosen.first(where: { !allowed.contains($0) }) {
            throw GraphError(
                .invalidRoute, thread: thread, node: node,
                "the router after node \(node) chose \(wrong.debugDescription), which is not among its declared targets "
                    + route.targets.joined(separator: ", ")
            )
        }
        return chosen
    }

    private func validate(_ update: Update<State>, of node: String, thread: String, step: Int) -> GraphError? {
        let declared = graph.nodes[node]?.writes ?? []
        let undeclared = update.channelNames.filter { !declared.contains($0) }
        guard update.unknownFields.isEmpty, undeclared.isEmpty else {
            let what = (update.unknownFields.map { "\($0) (not a channel)" } + undeclared).joined(separator: ", ")
            return GraphError(
                .invalidUpdate, thread: thread, node: node,
                "node \(node) wrote \(what) in step \(step) of thread \(thread) but declares writes to "
                    + "[\(declared.sorted().joined(separator: ", "))]; declare them in addNode(writes:)"
            )
        }
        return nil
    }

    /// Two updates of one step writing a channel without a reducer. The build-time check rules this out;
    /// this guard keeps a bug from silently dropping a write.
    private func lastValueConflict(_ updates: [NodeWrites<State>], thread: String) -> GraphError? {
        var writer: [String: String] = [:]
        for writes in updates {
            for channel in writes.update.channelNames where State.schema.channel(named: channel)?.hasReducer == false {
                if let first = writer[channel] {
                    return GraphError(
                        .invalidUpdate, thread: thread, node: writes.node,
                        "nodes \(first) and \(writes.node) both wrote \(channel.debugDescription), which has no reducer, in one step of thread \(thread)"
                    )
                }
                writer[channel] = writes.node
            }
        }
        return nil
    }

    private struct NodeOutcome: Sendable {
        let result: Result<Update<State>, any Error>
        let duration: Duration
    }

    /// Runs `nodes` concurrently on `state`; the first failure cancels the others.
    private func runStep(_ nodes: [String], state: State, position: ThreadPosition, thread: String) async -> [String: NodeOutcome] {
        await withTaskGroup(of: (String, NodeOutcome).self) { group in
            for name in nodes {
                guard let node = graph.nodes[name] else { continue }
                let context = NodeContext(
                    thread: thread, node: name, step: position.step, answers: position.answers[name] ?? [],
                    checkpointer: checkpointer, options: options
                )
                group.addTask {
                    let started = ContinuousClock.now
                    let result: Result<Update<State>, any Error>
                    do {
                        result = .success(try await runNode(node, state: state, context: context))
                    } catch {
                        result = .failure(error)
                    }
                    context.end()
                    return (name, NodeOutcome(result: result, duration: ContinuousClock.now - started))
                }
            }
            var outcomes: [String: NodeOutcome] = [:]
            for await (name, outcome) in group {
                outcomes[name] = outcome
                if case .failure(let error) = outcome.result, !(error is NodeInterruptSignal), !(error is NodeBlockedSignal) {
                    group.cancelAll()
                }
            }
            return outcomes
        }
    }

    /// Runs one node, racing its timeout. A timed-out node is cancelled and not awaited: a node that
    /// ignores cancellation cannot hold the step, and its later effects are refused (`NodeContext.end`).
    private func runNode(_ node: NodeDefinition<State>, state: State, context: NodeContext) async throws -> Update<State> {
        guard let timeout = node.timeout else { return try await node.run(state, context) }
        let race = Race<Update<State>>()
        let clock = options.clock
        let timedOut = GraphError(
            .nodeTimedOut, thread: context.thread, node: node.name,
            "node \(node.name) timed out after \(timeout) in step \(context.step) of thread \(context.thread); "
                + "the step wrote nothing. Raise the node's timeout or make it faster"
        )
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                race.start(continuation)
                let work = Task {
                    do { race.finish(.success(try await node.run(state, context))) } catch { race.finish(.failure(error)) }
                }
                let timer = Task {
                    try? await clock.sleep(for: timeout)
                    if !Task.isCancelled, race.finish(.failure(timedOut)) {
                        context.end()
                        work.cancel()
                    }
                }
                race.onCancel { work.cancel(); timer.cancel() }
            }
        } onCancel: {
            race.cancel()
        }
    }

    // MARK: Leases

    /// A held lease; its heartbeat marks it lost when renewal fails.
    final class Lease: @unchecked Sendable {
        let owner: String
        private let lock = NSLock()
        private var lostError: (any Error)?

        init(owner: String) { self.owner = owner }

        func markLost(_ error: any Error) { lock.withLock { lostError = error } }

        func check() throws {
            if let error = lock.withLock({ lostError }) { throw error }
        }
    }

    private func withLease<Result: Sendable>(_ thread: String, _ body: (Lease) async throws -> Result) async throws -> Result {
        let lease = Lease(owner: "\(ProcessInfo.processInfo.hostName)/pid \(ProcessInfo.processInfo.processIdentifier)/\(UUID().uuidString.prefix(8))")
        let now = options.now()
        try await checkpointer.acquireLease(
            thread: thread, owner: lease.owner, now: now, expiresAt: now.addingTimeInterval(options.leaseSeconds)
        )
        let checkpointer = checkpointer
        let options = options
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await options.clock.sleep(for: options.leaseDuration / 3)
                if Task.isCancelled { return }
                do {
                    try await checkpointer.renewLease(
                        thread: thread, owner: lease.owner, expiresAt: options.now().addingTimeInterval(options.leaseSeconds)
                    )
                } catch {
                    lease.markLost(error)
                    return
                }
            }
        }
        do {
            let result = try await body(lease)
            heartbeat.cancel()
            try? await checkpointer.releaseLease(thread: thread, owner: lease.owner)
            return result
        } catch {
            heartbeat.cancel()
            try? await checkpointer.releaseLease(thread: thread, owner: lease.owner)
            throw error
        }
    }
}

/// Settings of a `GraphEngine`.
public struct GraphRunOptions: Sendable {
    /// A full state snapshot is stored every this many checkpoints (and on the first); the rest are deltas.
    public var snapshotInterval: Int
    /// How long a run's lease on its thread lasts without renewal; renewed every third of it, so a
    /// crashed run's thread can be resumed by another process after at most this long.
    public var leaseDuration: Duration
    /// Measures node timeouts and lease heartbeats.
    public var clock: any Clock<Duration>
    /// Wall-clock time for checkpoint and lease records.
    public var now: @Sendable () -> Date
    /// Receives one event per finished step (the trace), e.g. to log it.
    public var onEvent: (@Sendable (GraphEvent) -> Void)?

    /// Options with the defaults: snapshot every 25 checkpoints, a 60 s lease, the continuous clock.
    public init(
        snapshotInterval: Int = 25, leaseDuration: Duration = .seconds(60), clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, onEvent: (@Sendable (GraphEvent) -> Void)? = nil
    ) {
        self.snapshotInterval = snapshotInterval
        self.leaseDuration = leaseDuration
        self.clock = clock
        self.now = now
        self.onEvent = onEvent
    }

    var leaseSeconds: TimeInterval {
        let (seconds, attoseconds) = leaseDuration.components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

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

/// Settles a continuation exactly once, whichever of a node and its timer finishes first.
final class Race<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?
    private var cancelHandler: (@Sendable () -> Void)?
    private var cancelled = false

    func start(_ continuation: CheckedContinuation<Value, any Error>) {
        lock.withLock { self.continuation = continuation }
    }

    /// Resumes the continuation unless already resumed; returns whether this call did it.
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        let (continuation, handler) = lock.withLock {
            defer { self.continuation = nil; self.cancelHandler = nil }
            return (self.continuation, self.cancelHandler)
        }
        guard let continuation else { return false }
        handler?()
        continuation.resume(with: result)
        return true
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        // Already cancelled or already finished: the handler's work (stopping the other task) is due now.
        let (runNow, wasCancelled) = lock.withLock {
            if cancelled || continuation == nil { return (true, cancelled) }
            cancelHandler = handler
            return (false, false)
        }
        if runNow { handler() }
        if wasCancelled { finish(.failure(CancellationError())) }
    }

    func cancel() {
        let handler = lock.withLock {
            cancelled = true
            return cancelHandler
        }
        handler?()
        finish(.failure(CancellationError()))
    }
}
