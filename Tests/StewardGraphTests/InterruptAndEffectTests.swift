import Foundation
import StewardGraph
import Testing

/// `interrupt` pauses a thread and `resume` continues it at the node; recorded effects never repeat.
struct InterruptAndEffectTests {
    /// ask: creates a repo (an effect), then asks where to deploy it.
    static func askingGraph(counter: Counter) throws -> CompiledGraph<Flow> {
        var builder = GraphBuilder<Flow>()
        builder.addNode("prepare", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "prepare") }
        builder.addNode("ask", writes: [\Flow.result, \Flow.log]) { state, context in
            let repo = try await context.effect("create-repo") { _ in "repo-\(await counter.increment("create-repo"))" }
            let server = try context.interrupt("Which server for \(repo)?")
            let port = try context.interrupt("Which port?")
            return Update<Flow>().setting(\.result, "\(repo) on \(server):\(port)").appending(\.log, "ask")
        }
        builder.addEdge(from: Graph.start, to: "prepare")
        builder.addEdge(from: "prepare", to: "ask")
        builder.addEdge(from: "ask", to: Graph.end)
        return try builder.compile()
    }

    @Test func interruptPausesAndResumeContinuesAtTheNodeWithoutRepeatingItsEffect() async throws {
        let counter = Counter()
        let checkpointer = InMemoryCheckpointer()
        let graph = try Self.askingGraph(counter: counter)

        let first = try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "t", input: Flow())
        #expect(first.status == .interrupted([Interruption(node: "ask", question: "Which server for repo-1?")]))
        #expect(first.state.log == ["prepare"])

        // A new engine: everything it knows comes from the checkpointer.
        let second = try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t", answer: "alpha")
        #expect(second.status == .interrupted([Interruption(node: "ask", question: "Which port?")]))

        let wrongNode = await #expect(throws: GraphError.self) {
            try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t", answer: "8080", node: "prepare")
        }
        #expect(wrongNode?.kind == .invalidAnswer)
        #expect(wrongNode?.description == "thread t has no question from node prepare; it waits on ask")

        let third = try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t", answer: "8080", node: "ask")
        #expect(third.status == .completed)
        #expect(third.state.result == "repo-1 on alpha:8080")
        #expect(third.state.log == ["prepare", "ask"])
        #expect(await counter.count("create-repo") == 1)
        #expect(try await checkpointer.history(thread: "t").map(\.status) == [
            .running, .running, .interrupted, .running, .interrupted, .running, .completed,
        ])

        let finished = await #expect(throws: GraphError.self) {
            try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t", answer: "x")
        }
        #expect(finished?.kind == .threadFinished)
    }

    @Test func aNodeFailingAfterAnEffectDoesNotRepeatItOnResume() async throws {
        let counter = Counter()
        let crashed = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("deploy", writes: [\Flow.total]) { _, context in
            let deployment = try await context.effect("run-playbook") { _ in await counter.increment("playbook") }
            if await !crashed.isOpen {
                await crashed.open()
                throw CancellationError()  // the process "dies" right after the effect
            }
            return Update<Flow>().setting(\.total, deployment)
        }
        builder.addEdge(from: Graph.start, to: "deploy")
        builder.addEdge(from: "deploy", to: Graph.end)
        let graph = try builder.compile()
        let checkpointer = InMemoryCheckpointer()

        await #expect(throws: GraphError.self) {
            try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "t", input: Flow())
        }
        #expect(await counter.count("playbook") == 1)
        let run = try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t")
        #expect(run.status == .completed)
        #expect(run.state.total == 1)
        #expect(await counter.count("playbook") == 1)
    }

    @Test func anEffectThatNeverFinishedIsRetriedAsASecondAttempt() async throws {
        let attempts = Counter()
        var builder = GraphBuilder<Flow>()
        builder.addNode("create", writes: [\Flow.log]) { _, context in
            let note = try await context.effect("create-repo") { attempt in
                await attempts.increment("body")
                if !attempt.isRetry { throw NodeFailure(message: "connection reset") }
                return "attempt \(attempt.number) looked for the repo first"
            }
            return Update<Flow>().appending(\.log, note)
        }
        builder.addEdge(from: Graph.start, to: "create")
        builder.addEdge(from: "create", to: Graph.end)
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())

        await #expect(throws: GraphError.self) { try await engine.start(thread: "t", input: Flow()) }
        let unasked = await #expect(throws: GraphError.self) { try await engine.resume(thread: "t", answer: "yes") }
        #expect(unasked?.kind == .invalidAnswer)
        let run = try await engine.resume(thread: "t")
        #expect(run.state.log == ["attempt 2 looked for the repo first"])
        #expect(await attempts.count("body") == 2)
    }

    @Test func completedBranchesOfAnInterruptedStepAreNotRunAgain() async throws {
        let counter = Counter()
        var builder = GraphBuilder<Flow>()
        builder.addNode("quick", writes: [\Flow.log]) { _, _ in
            await counter.increment("quick")
            return Update<Flow>().appending(\.log, "quick")
        }
        builder.addNode("asks", writes: [\Flow.log]) { _, context in
            let answer = try context.interrupt("ok?")
            return Update<Flow>().appending(\.log, "asks:\(answer)")
        }
        for name in ["quick", "asks"] {
            builder.addEdge(from: Graph.start, to: name)
            builder.addEdge(from: name, to: Graph.end)
        }
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())

        let paused = try await engine.start(thread: "t", input: Flow())
        #expect(paused.status == .interrupted([Interruption(node: "asks", question: "ok?")]))
        #expect(paused.state.log.isEmpty)
        let run = try await engine.resume(thread: "t", answer: "yes")
        #expect(run.state.log == ["asks:yes", "quick"])
        #expect(await counter.count("quick") == 1)
    }

    @Test func aRunCancelledAfterAnEffectResumesInANewEngineWithoutRepeatingIt() async throws {
        let counter = Counter()
        let gate = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("provision", writes: [\Flow.total]) { _, context in
            let server = try await context.effect("create-server") { _ in await counter.increment("create-server") }
            try await gate.pass()  // the run is cancelled while waiting here
            return Update<Flow>().setting(\.total, server)
        }
        builder.addEdge(from: Graph.start, to: "provision")
        builder.addEdge(from: "provision", to: Graph.end)
        let graph = try builder.compile()
        let checkpointer = InMemoryCheckpointer()

        let run = Task { try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "t", input: Flow()) }
        try await gate.waitUntilReached()
        run.cancel()
        let error = await #expect(throws: GraphError.self) { try await run.value }
        #expect(error?.underlying is CancellationError)
        let engine = GraphEngine(graph: graph, checkpointer: checkpointer)
        guard case .failed(let message) = try await engine.current(thread: "t")?.status else {
            Issue.record("the cancelled thread is not failed")
            return
        }
        #expect(message.hasPrefix("node provision failed in step 0 of thread t"))

        await gate.open()
        let resumed = try await engine.resume(thread: "t")
        #expect(resumed.state.total == 1)
        #expect(await counter.count("create-server") == 1)
    }
}
