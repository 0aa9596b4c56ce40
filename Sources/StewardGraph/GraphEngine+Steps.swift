import Foundation

/// Running steps: concurrent nodes, timeouts, the deterministic merge, limits and routing.
extension GraphEngine {
    /// Runs steps from the loaded position until the thread completes, is interrupted or blocked, or a
    /// step fails; checkpoints after each step.
    func drive(_ loaded: inout LoadedThread, thread: String, lease: Lease) async throws -> GraphRun<State> {
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
                case .failure(let error as GraphError) where error.thread == thread:
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

    func block(_ loaded: inout LoadedThread, thread: String, reason: String, lease: Lease) async throws -> GraphRun<State> {
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

    func limitReached(_ position: ThreadPosition, thread: String) -> String? {
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

    func choose(_ route: Route<State>, from node: String, state: State, thread: String) throws -> [String] {
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

    func validate(_ update: Update<State>, of node: String, thread: String, step: Int) -> GraphError? {
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
    func lastValueConflict(_ updates: [NodeWrites<State>], thread: String) -> GraphError? {
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

    struct NodeOutcome: Sendable {
        let result: Result<Update<State>, any Error>
        let duration: Duration
    }

    /// Runs `nodes` concurrently on `state`; the first failure cancels the others.
    func runStep(_ nodes: [String], state: State, position: ThreadPosition, thread: String) async -> [String: NodeOutcome] {
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
    func runNode(_ node: NodeDefinition<State>, state: State, context: NodeContext) async throws -> Update<State> {
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
}
