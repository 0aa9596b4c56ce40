import Foundation
import StewardGraph
import Testing

/// Steps run their nodes concurrently and merge the updates by reducers in node-name order.
struct FanOutTests {
    @Test func fanOutRunsBranchesConcurrentlyAndTheJoinWaitsForBoth() async throws {
        let barrier = Barrier(parties: 2)
        let events = EventLog()
        var builder = GraphBuilder<Flow>()
        builder.addNode("plan", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "plan") }
        // Each branch waits at the barrier for the other: run one after the other, both would time out.
        builder.addNode("left", writes: [\Flow.log]) { _, _ in
            try await barrier.arrive()
            return Update<Flow>().appending(\.log, "left")
        }
        builder.addNode("right", writes: [\Flow.log]) { _, _ in
            try await barrier.arrive()
            return Update<Flow>().appending(\.log, "right")
        }
        builder.addNode("join", writes: [\Flow.result]) { state, _ in
            Update<Flow>().setting(\.result, state.log.joined(separator: ","))
        }
        builder.addEdge(from: Graph.start, to: "plan")
        builder.addEdge(from: "plan", to: "left")
        builder.addEdge(from: "plan", to: "right")
        builder.addEdge(from: ["left", "right"], to: "join")
        builder.addEdge(from: "join", to: Graph.end)
        let engine = GraphEngine(
            graph: try builder.compile(), checkpointer: InMemoryCheckpointer(),
            options: GraphRunOptions(onEvent: events.record)
        )

        let run = try await engine.start(thread: "t", input: Flow())
        #expect(run.status == .completed)
        #expect(run.state.result == "plan,left,right")
        #expect(events.events.map(\.nodes) == [["plan"], ["left", "right"], ["join"]])
        #expect(events.events.map(\.status) == [.completed, .completed, .completed])
        #expect(events.events.map(\.step) == [0, 1, 2])
    }

    @Test func aJoinWaitsForTheSlowerBranch() async throws {
        let counter = Counter()
        var builder = GraphBuilder<Flow>()
        builder.addNode("plan", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "plan") }
        builder.addNode("short", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "short") }
        builder.addNode("long1", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "long1") }
        builder.addNode("long2", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "long2") }
        builder.addNode("deploy", writes: [\Flow.result]) { state, _ in
            await counter.increment("deploy")
            return Update<Flow>().setting(\.result, state.log.joined(separator: ","))
        }
        builder.addEdge(from: Graph.start, to: "plan")
        builder.addEdge(from: "plan", to: "short")
        builder.addEdge(from: "plan", to: "long1")
        builder.addEdge(from: "long1", to: "long2")
        builder.addEdge(from: ["short", "long2"], to: "deploy")
        builder.addEdge(from: "deploy", to: Graph.end)
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())

        let run = try await engine.start(thread: "t", input: Flow())
        #expect(run.status == .completed)
        #expect(run.state.result == "plan,long1,short,long2")
        #expect(await counter.count("deploy") == 1)
    }

    @Test func parallelUpdatesMergeInNodeNameOrderWhateverFinishesFirst() async throws {
        for slow in ["a", "b"] {
            var builder = GraphBuilder<Flow>()
            for name in ["b", "a"] {
                builder.addNode(name, writes: [\Flow.log, \Flow.notes, \Flow.total]) { _, _ in
                    if name == slow { try await Task.sleep(for: .milliseconds(100)) }
                    return Update<Flow>().appending(\.log, name).setting(\.notes, ["shared": name, name: "x"]).setting(\.total, 1)
                }
                builder.addEdge(from: Graph.start, to: name)
                builder.addEdge(from: name, to: Graph.end)
            }
            let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())
            let run = try await engine.start(thread: "t", input: Flow(total: 40))
            #expect(run.state.log == ["a", "b"], "slow node: \(slow)")
            #expect(run.state.notes == ["shared": "b", "a": "x", "b": "x"], "slow node: \(slow)")
            #expect(run.state.total == 42)
            // Replay from the checkpoints gives the same state.
            #expect(try await engine.state(thread: "t") == run.state)
        }
    }

    @Test func aFailingBranchFailsTheStepWithoutPartialWritesAndResumeRetriesIt() async throws {
        let counter = Counter()
        let fixed = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("plan", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "plan") }
        builder.addNode("good", writes: [\Flow.log, \Flow.total]) { _, context in
            let value = try await context.effect("reserve") { _ in await counter.increment("reserve") }
            return Update<Flow>().appending(\.log, "good").setting(\.total, value)
        }
        builder.addNode("bad", writes: [\Flow.log]) { _, _ in
            guard await fixed.isOpen else { throw NodeFailure(message: "disk full") }
            return Update<Flow>().appending(\.log, "bad")
        }
        builder.addEdge(from: Graph.start, to: "plan")
        builder.addEdge(from: "plan", to: "good")
        builder.addEdge(from: "plan", to: "bad")
        builder.addEdge(from: "good", to: Graph.end)
        builder.addEdge(from: "bad", to: Graph.end)
        let checkpointer = InMemoryCheckpointer()
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: checkpointer)

        let error = await #expect(throws: GraphError.self) { try await engine.start(thread: "t", input: Flow()) }
        #expect(error?.kind == .nodeFailed)
        #expect(error?.node == "bad")
        #expect(error?.description.contains("node bad failed in step 1 of thread t: disk full") == true)
        let afterFailure = try await engine.state(thread: "t")
        #expect(afterFailure.log == ["plan"])
        #expect(afterFailure.total == 0)
        #expect(try await engine.history(thread: "t").last?.status == .failed)

        await fixed.open()
        let run = try await GraphEngine(graph: engine.graph, checkpointer: checkpointer).resume(thread: "t")
        #expect(run.status == .completed)
        #expect(run.state.log == ["plan", "bad", "good"])
        // The good branch ran twice, its effect once.
        #expect(await counter.count("reserve") == 1)
        #expect(run.state.total == 1)
    }

    @Test func aFanOutRouterPicksBranchesFromTheState() async throws {
        var builder = GraphBuilder<Flow>()
        for name in ["x", "y", "z"] {
            builder.addNode(name, writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, name) }
            builder.addEdge(from: name, to: Graph.end)
        }
        builder.addNode("route", writes: []) { _, _ in Update<Flow>() }
        builder.addEdge(from: Graph.start, to: "route")
        builder.addFanOut(from: "route", to: ["x", "y", "z"]) { state in state.input.split(separator: ",").map(String.init) }
        let engine = GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())

        #expect(try await engine.start(thread: "1", input: Flow(input: "z,x")).state.log == ["x", "z"])
        let wrong = await #expect(throws: GraphError.self) { try await engine.start(thread: "2", input: Flow(input: "w")) }
        #expect(wrong?.kind == .invalidRoute)
        #expect(wrong?.description.contains("chose \"w\"") == true)
    }
}
