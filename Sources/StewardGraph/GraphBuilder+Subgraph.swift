import Foundation

extension GraphBuilder {
    /// Adds a compiled graph as one node of this graph.
    ///
    /// The subgraph runs as its own thread, `<thread>/<name>@<step>`, in the parent's checkpointer, so
    /// its steps are checkpointed and traced like the parent's. When it interrupts, the parent thread is
    /// interrupted with the same question at this node; `resume(thread:answer:)` on the parent passes the
    /// answer on and the subgraph continues from its interrupted node. When it is blocked, the parent is
    /// blocked; resuming the parent resumes the subgraph with a fresh budget.
    /// - Parameters:
    ///   - input: the subgraph's input, from the parent's state.
    ///   - output: the parent's update, from the subgraph's final state.
    ///   - writes, maxRuns, timeout: as for `addNode`.
    public mutating func addSubgraph<Child: GraphState>(
        _ name: String, _ graph: CompiledGraph<Child>, writes: [PartialKeyPath<State>], maxRuns: Int? = nil,
        timeout: Duration? = nil, input: @escaping @Sendable (State) -> Child,
        output: @escaping @Sendable (Child) -> Update<State>
    ) {
        addNode(name, writes: writes, maxRuns: maxRuns, timeout: timeout) { state, context in
            let engine = GraphEngine(graph: graph, checkpointer: context.checkpointer, options: context.options)
            let thread = "\(context.thread)/\(context.node)@\(context.step)"
            var run: GraphRun<Child>
            if let current = try await engine.current(thread: thread) {
                switch current.status {
                case .completed, .interrupted: run = current
                case .blocked, .running, .failed: run = try await engine.resume(thread: thread)
                }
            } else {
                run = try await engine.start(thread: thread, input: input(state))
            }
            while true {
                switch run.status {
                case .completed:
                    return output(run.state)
                case .blocked(let reason):
                    throw NodeBlockedSignal(reason: "subgraph \(name): \(reason)")
                case .interrupted(let questions):
                    // The parent's n-th answer for this node answers the subgraph's n-th interrupt.
                    guard let answer = context.answer(at: run.interruptCount - 1) else {
                        throw NodeInterruptSignal(question: questions.map(\.question).joined(separator: "\n"))
                    }
                    run = try await engine.resume(thread: thread, answer: answer)
                case .running, .failed:
                    run = try await engine.resume(thread: thread)
                }
            }
        }
    }
}
