import Foundation
import StewardGraph
import StewardTestSupport
import Testing

/// Checkpoints are deltas with periodic snapshots; any of them can be read back; a thread runs once at a time.
struct CheckpointTests {
    /// A state of a few KB: 30 pages of ~110 bytes, a growing log and a counter.
    struct Notebook: GraphState, Equatable {
        var pages: [String: String] = [:]
        var log: [String] = []
        var count = 0
        static let schema = StateSchema<Notebook>(
            .merging("pages", \.pages), .appending("log", \.log), .lastValue("count", \.count)
        )

        static func initial() -> Notebook {
            Notebook(pages: Dictionary(uniqueKeysWithValues: (0..<30).map { ("page-\($0)", String(repeating: "x", count: 100) + " \($0)") }))
        }
    }

    /// One node that rewrites one page per step, 100 steps.
    static func hundredSteps() throws -> CompiledGraph<Notebook> {
        var builder = GraphBuilder<Notebook>()
        builder.addNode("write", writes: [\Notebook.pages, \Notebook.log, \Notebook.count]) { state, _ in
            let count = state.count + 1
            return Update<Notebook>()
                .setting(\.count, count)
                .setting(\.pages, ["page-\(count % 30)": String(repeating: "y", count: 100) + " \(count)"])
                .appending(\.log, "step \(count)")
        }
        builder.addEdge(from: Graph.start, to: "write")
        builder.addConditionalEdge(from: "write", to: ["write", Graph.end]) { $0.count >= 100 ? Graph.end : "write" }
        return try builder.compile(maxSteps: 200)
    }

    @Test func checkpointsStoreDeltasAndAnyOfThemReplaysToItsState() async throws {
        let checkpointer = InMemoryCheckpointer()
        let engine = GraphEngine(graph: try Self.hundredSteps(), checkpointer: checkpointer)
        let run = try await engine.start(thread: "t", input: Notebook.initial())
        #expect(run.status == .completed)
        #expect(run.state.count == 100)

        let history = try await checkpointer.history(thread: "t")
        #expect(history.count == 101)
        #expect(history.map(\.sequence) == Array(0...100))
        #expect(history.filter { $0.snapshotBytes > 0 }.map(\.sequence) == [0, 25, 50, 75, 100])

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let fullBytes = try encoder.encode(run.state).count
        let deltas = history.dropFirst().map(\.payloadBytes)
        let averageDelta = deltas.reduce(0, +) / deltas.count
        let stored = history.map { $0.payloadBytes + $0.snapshotBytes }.reduce(0, +)
        print("checkpoint bytes (in memory): full state \(fullBytes), delta avg \(averageDelta) max \(deltas.max() ?? 0), "
              + "stored for 101 checkpoints \(stored) vs \(fullBytes * 101) as full states")
        #expect(averageDelta * 5 < fullBytes)

        for sequence in [0, 1, 24, 25, 26, 63, 100] {
            let state = try await engine.state(thread: "t", at: sequence)
            #expect(state.count == sequence)
            #expect(state.log.count == sequence)
        }
        #expect(try await engine.state(thread: "t", at: 37).pages["page-7"] == String(repeating: "y", count: 100) + " 37")
        #expect(try await engine.state(thread: "t") == run.state)
    }

    @Test func aThreadRunsAtMostOnceAtATime() async throws {
        let gate = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("wait", writes: [\Flow.log]) { _, _ in
            try await gate.pass()
            return Update<Flow>().appending(\.log, "done")
        }
        builder.addEdge(from: Graph.start, to: "wait")
        builder.addEdge(from: "wait", to: Graph.end)
        let graph = try builder.compile()
        let checkpointer = InMemoryCheckpointer()

        let first = Task { try await GraphEngine(graph: graph, checkpointer: checkpointer).start(thread: "t", input: Flow()) }
        try await gate.waitUntilReached()
        let other = GraphEngine(graph: graph, checkpointer: checkpointer)
        let busy = await #expect(throws: GraphError.self) { try await other.resume(thread: "t") }
        #expect(busy?.kind == .threadBusy)
        #expect(busy?.description.contains("thread t is already running") == true)
        let busyStart = await #expect(throws: GraphError.self) { try await other.start(thread: "t", input: Flow()) }
        #expect(busyStart?.kind == .threadBusy)

        await gate.open()
        #expect(try await first.value.state.log == ["done"])
        // The lease is released with the run.
        let exists = await #expect(throws: GraphError.self) { try await other.start(thread: "t", input: Flow()) }
        #expect(exists?.kind == .threadExists)
    }

    @Test func anExpiredLeaseOfACrashedRunCanBeTaken() async throws {
        let checkpointer = InMemoryCheckpointer()
        let now = Date()
        try await checkpointer.acquireLease(thread: "t", owner: "crashed", now: now, expiresAt: now.addingTimeInterval(60))
        await #expect(throws: GraphError.self) {
            try await checkpointer.acquireLease(thread: "t", owner: "new", now: now.addingTimeInterval(59), expiresAt: now.addingTimeInterval(120))
        }
        try await checkpointer.acquireLease(thread: "t", owner: "new", now: now.addingTimeInterval(61), expiresAt: now.addingTimeInterval(120))
        await #expect(throws: GraphError.self) {
            try await checkpointer.renewLease(thread: "t", owner: "crashed", expiresAt: now.addingTimeInterval(200))
        }
    }

    @Test func aLongNodeKeepsItsLeaseByHeartbeat() async throws {
        let gate = Gate()
        var builder = GraphBuilder<Flow>()
        builder.addNode("long", writes: [\Flow.log]) { _, _ in
            try await gate.pass()
            return Update<Flow>().appending(\.log, "done")
        }
        builder.addEdge(from: Graph.start, to: "long")
        builder.addEdge(from: "long", to: Graph.end)
        let graph = try builder.compile()
        let checkpointer = InMemoryCheckpointer()
        // A 3 s lease renewed every second of a clock that moves only when the test moves it: the probe comes
        // 4.5 s in, after the first lease would have expired, whatever the machine's load.
        let clock = ManualClock()
        let options = GraphRunOptions(leaseDuration: .seconds(3), clock: clock, now: { clock.date })

        let first = Task { try await GraphEngine(graph: graph, checkpointer: checkpointer, options: options).start(thread: "t", input: Flow()) }
        try await gate.waitUntilReached()
        try await waitUntil("the heartbeat's first sleep") { clock.sleepCount >= 1 }
        for second in 1...4 {
            let sleeps = clock.sleepCount
            clock.advance(by: .seconds(1))
            // The heartbeat wakes, renews the lease and sleeps again.
            try await waitUntil("the heartbeat to renew the lease after \(second) s") { clock.sleepCount > sleeps }
        }
        clock.advance(by: .milliseconds(500))
        // Probing the lease directly: a second run would otherwise wait at the gate too if it got in.
        let now = clock.date
        let busy = await #expect(throws: GraphError.self) {
            try await checkpointer.acquireLease(thread: "t", owner: "probe", now: now, expiresAt: now.addingTimeInterval(1))
        }
        #expect(busy?.kind == .threadBusy)
        await gate.open()
        #expect(try await first.value.status == .completed)
    }
}
