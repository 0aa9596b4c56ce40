import Foundation
import StewardGraph
import Testing

/// Loops end as `blocked`, slow nodes time out, and the trace reports each step.
struct LimitsTests {
    static func loop(maxRuns: Int?, maxSteps: Int) throws -> CompiledGraph<Flow> {
        var builder = GraphBuilder<Flow>()
        builder.addNode("tick", writes: [\Flow.total], maxRuns: maxRuns) { _, _ in Update<Flow>().setting(\.total, 1) }
        builder.addEdge(from: Graph.start, to: "tick")
        builder.addConditionalEdge(from: "tick", to: ["tick", Graph.end]) { $0.total >= 1_000 ? Graph.end : "tick" }
        return try builder.compile(maxSteps: maxSteps)
    }

    @Test func aGraphRunningPastMaxStepsIsBlocked() async throws {
        let events = EventLog()
        let engine = GraphEngine(
            graph: try Self.loop(maxRuns: nil, maxSteps: 5), checkpointer: InMemoryCheckpointer(),
            options: GraphRunOptions(onEvent: events.record)
        )
        let run = try await engine.start(thread: "t", input: Flow())
        #expect(run.status == .blocked("thread t ran 5 steps without reaching its end (maxSteps 5); next: tick"))
        #expect(run.state.total == 5)
        #expect(run.step == 5)
        #expect(events.events.last?.status == .blocked)
        #expect(try await engine.history(thread: "t").last?.status == .blocked)
    }

    @Test func aNodeRunningPastMaxRunsIsBlockedAndResumeGrantsAFreshBudget() async throws {
        let engine = GraphEngine(graph: try Self.loop(maxRuns: 3, maxSteps: 100), checkpointer: InMemoryCheckpointer())
        let run = try await engine.start(thread: "t", input: Flow())
        #expect(run.status == .blocked("node tick of thread t already ran 3 times (maxRuns 3)"))
        #expect(run.state.total == 3)

        let again = try await engine.resume(thread: "t")
        #expect(again.status == .blocked("node tick of thread t already ran 3 times (maxRuns 3)"))
        #expect(again.state.total == 6)
    }

    @Test func aNodeRunningPastItsTimeoutFailsTheStepNamingIt() async throws {
        let events = EventLog()
        var builder = GraphBuilder<Flow>()
        builder.addNode("fast", writes: [\Flow.log]) { _, _ in Update<Flow>().appending(\.log, "fast") }
        builder.addNode("slow", writes: [\Flow.log], timeout: .milliseconds(200)) { _, _ in
            try await Task.sleep(for: .seconds(600))
            return Update<Flow>().appending(\.log, "slow")
        }
        for name in ["fast", "slow"] {
            builder.addEdge(from: Graph.start, to: name)
            builder.addEdge(from: name, to: Graph.end)
        }
        let engine = GraphEngine(
            graph: try builder.compile(), checkpointer: InMemoryCheckpointer(), options: GraphRunOptions(onEvent: events.record)
        )
        // The run ends with the node's timeout, not with its 600 s sleep: the error says so.
        let error = await #expect(throws: GraphError.self) { try await engine.start(thread: "t", input: Flow()) }
        #expect(error?.kind == .nodeTimedOut)
        #expect(error?.node == "slow")
        #expect(error?.description.hasPrefix("node slow timed out after 0.2 seconds in step 0 of thread t; the step wrote nothing") == true)
        #expect(try await engine.state(thread: "t").log.isEmpty)
        #expect(events.events.map(\.status) == [.failed])
        #expect(events.events.first?.nodes == ["fast", "slow"])
    }

    @Test func anEffectAfterTheTimeoutIsNotRepeatedOnResume() async throws {
        let counter = Counter()
        let hang = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("deploy", writes: [\Flow.total], timeout: .milliseconds(300)) { _, context in
            let value = try await context.effect("playbook") { _ in await counter.increment("playbook") }
            if await !hang.isOpen {
                await hang.open()
                try await Task.sleep(for: .seconds(600))  // cancelled by the timeout
            }
            return Update<Flow>().setting(\.total, value)
        }
        builder.addEdge(from: Graph.start, to: "deploy")
        builder.addEdge(from: "deploy", to: Graph.end)
        let graph = try builder.compile()
        let checkpointer = InMemoryCheckpointer()

        let error = await #expect(throws: GraphError.self) {
            try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "t", input: Flow())
        }
        #expect(error?.kind == .nodeTimedOut)
        let run = try await GraphEngine(graph: graph, checkpointer: checkpointer).resume(thread: "t")
        #expect(run.state.total == 1)
        #expect(await counter.count("playbook") == 1)
    }
}
