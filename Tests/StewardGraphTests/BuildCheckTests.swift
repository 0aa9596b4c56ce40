import Foundation
import StewardGraph
import Testing

/// `compile()` rejects graphs whose result would depend on timing, and malformed ones.
struct BuildCheckTests {
    private static func writer(_ builder: inout GraphBuilder<Flow>, _ name: String, writes: [PartialKeyPath<Flow>] = [\Flow.result]) {
        builder.addNode(name, writes: writes) { _, _ in Update<Flow>() }
    }

    @Test func parallelBranchesWritingAKeyWithoutReducerAreRejected() throws {
        var builder = GraphBuilder<Flow>()
        Self.writer(&builder, "plan", writes: [])
        Self.writer(&builder, "zavhoz")
        Self.writer(&builder, "engineering")
        builder.addEdge(from: Graph.start, to: "plan")
        builder.addEdge(from: "plan", to: "zavhoz")
        builder.addEdge(from: "plan", to: "engineering")
        builder.addEdge(from: "zavhoz", to: Graph.end)
        builder.addEdge(from: "engineering", to: Graph.end)

        let error = #expect(throws: GraphBuildError.self) { try builder.compile() }
        #expect(
            error?.description == "nodes engineering and zavhoz can run in the same step and both write \"result\" of Flow, "
                + "which has no reducer (lastValue): the result would depend on timing. Give \"result\" a reducer "
                + "(.appending, .merging, .reduced) or order the nodes with an edge"
        )
    }

    @Test func aFanOutRouterAndIndirectParallelismAreChecked() throws {
        var fanOut = GraphBuilder<Flow>()
        Self.writer(&fanOut, "route", writes: [])
        Self.writer(&fanOut, "a")
        Self.writer(&fanOut, "b")
        fanOut.addEdge(from: Graph.start, to: "route")
        fanOut.addFanOut(from: "route", to: ["a", "b"]) { _ in ["a"] }
        fanOut.addEdge(from: "a", to: Graph.end)
        fanOut.addEdge(from: "b", to: Graph.end)
        let fanOutError = #expect(throws: GraphBuildError.self) { try fanOut.compile() }
        #expect(fanOutError?.description.contains("nodes a and b can run in the same step") == true)

        // a -> a2 and b -> c: a2 and c meet in step 2 although no node fans out to both.
        var indirect = GraphBuilder<Flow>()
        Self.writer(&indirect, "a", writes: [])
        Self.writer(&indirect, "b", writes: [])
        Self.writer(&indirect, "a2")
        Self.writer(&indirect, "c")
        indirect.addEdge(from: Graph.start, to: "a")
        indirect.addEdge(from: Graph.start, to: "b")
        indirect.addEdge(from: "a", to: "a2")
        indirect.addEdge(from: "b", to: "c")
        indirect.addEdge(from: "a2", to: Graph.end)
        indirect.addEdge(from: "c", to: Graph.end)
        let indirectError = #expect(throws: GraphBuildError.self) { try indirect.compile() }
        #expect(indirectError?.description.contains("nodes a2 and c can run in the same step and both write \"result\"") == true)
    }

    @Test func exclusiveRoutesJoinsAndReducerChannelsAreAccepted() throws {
        // A router picks one target: a and b never meet.
        var routed = GraphBuilder<Flow>()
        Self.writer(&routed, "route", writes: [])
        Self.writer(&routed, "a")
        Self.writer(&routed, "b")
        routed.addEdge(from: Graph.start, to: "route")
        routed.addConditionalEdge(from: "route", to: ["a", "b"]) { _ in "a" }
        routed.addEdge(from: "a", to: Graph.end)
        routed.addEdge(from: "b", to: Graph.end)
        _ = try routed.compile()

        // Parallel nodes writing reducer channels, then a join that alone writes the last-value key.
        var joined = GraphBuilder<Flow>()
        Self.writer(&joined, "a", writes: [\Flow.log, \Flow.notes, \Flow.total])
        Self.writer(&joined, "b", writes: [\Flow.log, \Flow.notes, \Flow.total])
        Self.writer(&joined, "slow", writes: [\Flow.log])
        Self.writer(&joined, "deploy")
        joined.addEdge(from: Graph.start, to: "a")
        joined.addEdge(from: Graph.start, to: "b")
        joined.addEdge(from: "b", to: "slow")
        joined.addEdge(from: ["a", "slow"], to: "deploy")
        joined.addEdge(from: "deploy", to: Graph.end)
        _ = try joined.compile()
    }

    @Test func malformedGraphsListEveryProblem() throws {
        var builder = GraphBuilder<Flow>()
        Self.writer(&builder, "a", writes: [\Flow.input])
        Self.writer(&builder, "a")
        Self.writer(&builder, "lonely")
        Self.writer(&builder, Graph.end)
        builder.addEdge(from: "a", to: "ghost")
        let error = #expect(throws: GraphBuildError.self) { try builder.compile(maxSteps: 0) }
        let message = error?.description ?? ""
        #expect(message.contains("node a declares a write to \\Flow.input, which is not a channel of Flow"))
        #expect(message.contains("node a is added twice"))
        #expect(message.contains("node name \"__end__\" is reserved"))
        #expect(message.contains("edge target from a \"ghost\" is not a node of the graph"))
        #expect(message.contains("nothing leaves __start__"))
        #expect(message.contains("node lonely has no outgoing edge"))
        #expect(message.contains("maxSteps is 0"))
    }

    @Test func aNodeWritingWhatItDidNotDeclareFailsTheStep() async throws {
        var builder = GraphBuilder<Flow>()
        builder.addNode("sneaky", writes: [\Flow.log]) { _, _ in Update<Flow>().setting(\.result, "x") }
        builder.addEdge(from: Graph.start, to: "sneaky")
        builder.addEdge(from: "sneaky", to: Graph.end)
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())
        let error = await #expect(throws: GraphError.self) { try await engine.start(thread: "t", input: Flow()) }
        #expect(error?.kind == .invalidUpdate)
        #expect(error?.description.contains("node sneaky wrote result in step 0 of thread t but declares writes to [log]") == true)
        #expect(try await engine.state(thread: "t").result == "")
    }
}
