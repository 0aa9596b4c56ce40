import Foundation
import StewardGraph
import Testing

/// A compiled graph runs as one node of another, with its own state mapped in and out.
struct SubgraphTests {
    struct Engineering: GraphState, Equatable {
        var brief = ""
        var design = ""
        var reviews: [String] = []
        static let schema = StateSchema<Engineering>(.lastValue("design", \.design), .appending("reviews", \.reviews))
    }

    static func engineering(counter: Counter, askReviewer: Bool) throws -> CompiledGraph<Engineering> {
        var builder = GraphBuilder<Engineering>()
        builder.addNode("architect", writes: [\Engineering.design]) { state, context in
            let repo = try await context.effect("create-repo") { _ in "repo-\(await counter.increment("create-repo"))" }
            return Update<Engineering>().setting(\.design, "\(repo): \(state.brief)")
        }
        builder.addNode("review", writes: [\Engineering.reviews]) { state, context in
            let verdict = askReviewer ? try context.interrupt("Approve \(state.design)?") : "auto"
            return Update<Engineering>().appending(\.reviews, verdict)
        }
        builder.addEdge(from: Graph.start, to: "architect")
        builder.addEdge(from: "architect", to: "review")
        builder.addEdge(from: "review", to: Graph.end)
        return try builder.compile()
    }

    static func parent(_ child: CompiledGraph<Engineering>) throws -> CompiledGraph<Flow> {
        var builder = GraphBuilder<Flow>()
        builder.addNode("po", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "po") }
        builder.addSubgraph(
            "engineering", child, writes: [\Flow.result, \Flow.log],
            input: { Engineering(brief: $0.input) },
            output: { Update<Flow>().setting(\.result, "\($0.design) [\($0.reviews.joined(separator: ","))]").appending(\.log, "engineering") }
        )
        builder.addNode("deploy", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "deploy") }
        builder.addEdge(from: Graph.start, to: "po")
        builder.addEdge(from: "po", to: "engineering")
        builder.addEdge(from: "engineering", to: "deploy")
        builder.addEdge(from: "deploy", to: Graph.end)
        return try builder.compile()
    }

    @Test func aSubgraphRunsAsOneNodeWithItsStateMappedInAndOut() async throws {
        let counter = Counter()
        let events = EventLog()
        let checkpointer = InMemoryCheckpointer()
        let engine = GraphEngine(
            graph: try Self.parent(try Self.engineering(counter: counter, askReviewer: false)), checkpointer: checkpointer,
            options: GraphRunOptions(onEvent: events.record)
        )
        let run = try await engine.start(thread: "shop", input: Flow(input: "a url shortener"))
        #expect(run.status == .completed)
        #expect(run.state.result == "repo-1: a url shortener [auto]")
        #expect(run.state.log == ["po", "engineering", "deploy"])
        // The subgraph is a thread of its own, traced and checkpointed.
        let child = try await GraphEngine(graph: try Self.engineering(counter: counter, askReviewer: false), checkpointer: checkpointer)
            .state(thread: "shop/engineering@1")
        #expect(child.reviews == ["auto"])
        #expect(events.events.map { "\($0.thread):\($0.nodes.joined(separator: "+"))" } == [
            "shop:po", "shop/engineering@1:architect", "shop/engineering@1:review", "shop:engineering", "shop:deploy",
        ])
    }

    @Test func anInterruptInsideASubgraphPausesTheParentAndResumesInside() async throws {
        let counter = Counter()
        let checkpointer = InMemoryCheckpointer()
        let graph = try Self.parent(try Self.engineering(counter: counter, askReviewer: true))

        let paused = try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "shop", input: Flow(input: "a blog"))
        #expect(paused.status == .interrupted([Interruption(node: "engineering", question: "Approve repo-1: a blog?")]))

        let run = try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "shop", answer: "approved")
        #expect(run.status == .completed)
        #expect(run.state.result == "repo-1: a blog [approved]")
        #expect(run.state.log == ["po", "engineering", "deploy"])
        #expect(await counter.count("create-repo") == 1)
    }

    @Test func aFailureInsideASubgraphFailsTheParentStepNamingTheSubgraphNode() async throws {
        var child = GraphBuilder<Engineering>()
        child.addNode("tester", writes: []) { _, _ in throw NodeFailure(message: "3 tests failed") }
        child.addEdge(from: Graph.start, to: "tester")
        child.addEdge(from: "tester", to: Graph.end)
        let engine = GraphEngine(graph: try Self.parent(try child.compile()), checkpointer: InMemoryCheckpointer())

        let error = await #expect(throws: GraphError.self) { try await engine.start(thread: "shop", input: Flow()) }
        #expect(error?.node == "engineering")
        #expect(error?.description.hasPrefix("node engineering failed in step 1 of thread shop: node tester failed in step 0 of thread shop/engineering@1: 3 tests failed") == true)
        #expect(try await engine.state(thread: "shop").log == ["po"])
    }
}
