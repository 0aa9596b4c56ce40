import Foundation
import StewardGraph
import StewardTestSupport
import Testing
@testable import StewardStore

/// The graph checkpointer in the SQLite store: threads resume from the file alone, in a new store and engine.
struct SQLCheckpointerTests {
    struct Job: GraphState, Equatable {
        var brief = ""
        var pages: [String: String] = [:]
        var log: [String] = []
        var count = 0
        var result = ""
        static let schema = StateSchema<Job>(
            .merging("pages", \.pages), .appending("log", \.log), .lastValue("count", \.count), .lastValue("result", \.result)
        )
    }

    /// Counts effect bodies across engines (the "processes" of a test share this memory).
    actor Counter {
        private(set) var value = 0
        func increment() -> Int {
            value += 1
            return value
        }
    }

    /// Flips once.
    actor Flag {
        private(set) var isSet = false
        func set() { isSet = true }
    }

    /// prepare -> ask (creates a repo, then asks where to put it) -> end.
    static func askingGraph(_ counter: Counter) throws -> CompiledGraph<Job> {
        var builder = GraphBuilder<Job>()
        builder.addNode("prepare", writes: [\Job.log]) { _, _ in Update<Job>().appending(\.log, "prepare") }
        builder.addNode("ask", writes: [\Job.result, \Job.log]) { state, context in
            let repo = try await context.effect("create-repo") { _ in "repo-\(await counter.increment())" }
            let server = try context.interrupt("Which server for \(repo)?")
            return Update<Job>().setting(\.result, "\(repo) on \(server)").appending(\.log, "ask")
        }
        builder.addEdge(from: Graph.start, to: "prepare")
        builder.addEdge(from: "prepare", to: "ask")
        builder.addEdge(from: "ask", to: Graph.end)
        return try builder.compile()
    }

    @Test(arguments: SQLDialect.allCases) func anInterruptedThreadResumesInANewStoreAndEngineOverTheSameFile(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let counter = Counter()
        do {
            let engine = GraphEngine(graph: try Self.askingGraph(counter), checkpointer: SQLCheckpointer(store: fixture.store))
            let paused = try await engine.start(thread: "shop#1", input: Job(brief: "a shop"))
            #expect(paused.status == .interrupted([Interruption(node: "ask", question: "Which server for repo-1?")]))
        }

        // Everything below comes from the file: a new store, checkpointer, graph and engine.
        let reopened = try await fixture.reopen()
        let engine = GraphEngine(graph: try Self.askingGraph(counter), checkpointer: SQLCheckpointer(store: reopened))
        let waiting = try await engine.current(thread: "shop#1")
        #expect(waiting?.status == .interrupted([Interruption(node: "ask", question: "Which server for repo-1?")]))
        let run = try await engine.resume(thread: "shop#1", answer: "alpha")
        #expect(run.status == .completed)
        #expect(run.state.result == "repo-1 on alpha")
        #expect(run.state.log == ["prepare", "ask"])
        #expect(await counter.value == 1)

        let history = try await engine.history(thread: "shop#1")
        #expect(history.map(\.status) == [.running, .running, .interrupted, .running, .completed])
        #expect(history.map(\.nodes) == [[], ["prepare"], ["ask"], [], ["ask"]])
        #expect(try await engine.state(thread: "shop#1", at: 1).log == ["prepare"])
        #expect(try await engine.state(thread: "shop#1", at: 0) == Job(brief: "a shop"))
    }

    @Test(arguments: SQLDialect.allCases) func aCrashAfterAnEffectDoesNotRepeatItInAFreshEngine(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let counter = Counter()
        let crashed = Flag()
        var builder = GraphBuilder<Job>()
        builder.addNode("deploy", writes: [\Job.count]) { _, context in
            let deployment = try await context.effect("run-playbook") { _ in await counter.increment() }
            if await !crashed.isSet {
                await crashed.set()
                throw CancellationError()  // the process dies after the effect, before the step's checkpoint
            }
            return Update<Job>().setting(\.count, deployment)
        }
        builder.addEdge(from: Graph.start, to: "deploy")
        builder.addEdge(from: "deploy", to: Graph.end)
        let graph = try builder.compile()

        await #expect(throws: GraphError.self) {
            try await GraphEngine(graph: graph, checkpointer: SQLCheckpointer(store: fixture.store)).start(thread: "t", input: Job())
        }
        let effects = try fixture.rawDatabase().query(
            "SELECT thread, step, node, name, attempts, result IS NOT NULL FROM graph_effects"
        ) { "\(try $0.string(at: 0)) \(try $0.int(at: 1)) \(try $0.string(at: 2)) \(try $0.string(at: 3)) \(try $0.int(at: 4)) \(try $0.bool(at: 5))" }
        #expect(effects == ["t 0 deploy run-playbook 1 true"])

        let run = try await GraphEngine(graph: graph, checkpointer: SQLCheckpointer(store: try fixture.reopen())).resume(thread: "t")
        #expect(run.status == .completed)
        #expect(run.state.count == 1)
        #expect(await counter.value == 1)
    }

    @Test(arguments: SQLDialect.allCases) func twoStoresOnOneFileCannotRunTheSameThreadAtOnce(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let started = Flag()
        let release = Flag()
        var builder = GraphBuilder<Job>()
        builder.addNode("wait", writes: [\Job.log]) { _, _ in
            await started.set()
            while await !release.isSet { try await Task.sleep(for: .milliseconds(5)) }
            return Update<Job>().appending(\.log, "done")
        }
        builder.addEdge(from: Graph.start, to: "wait")
        builder.addEdge(from: "wait", to: Graph.end)
        let graph = try builder.compile()

        let first = Task { try await GraphEngine(graph: graph, checkpointer: SQLCheckpointer(store: fixture.store)).start(thread: "t", input: Job()) }
        try await waitUntil("the first run's node to start") { await started.isSet }

        let other = GraphEngine(graph: graph, checkpointer: SQLCheckpointer(store: try await fixture.reopen()))
        let busy = await #expect(throws: GraphError.self) { try await other.resume(thread: "t") }
        #expect(busy?.kind == .threadBusy)
        #expect(busy?.description.contains("thread t is already running (lease held by") == true)

        await release.set()
        #expect(try await first.value.status == .completed)
        #expect(try fixture.rawDatabase().query("SELECT count(*) FROM graph_leases") { try $0.int(at: 0) } == [0])
    }

    @Test(arguments: SQLDialect.allCases) func anExpiredLeaseIsTakenAndOutOfSequenceCheckpointsAreRefused(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let checkpointer = SQLCheckpointer(store: fixture.store)
        let now = Date()
        try await checkpointer.acquireLease(thread: "t", owner: "crashed", now: now, expiresAt: now.addingTimeInterval(60))
        let busy = await #expect(throws: GraphError.self) {
            try await checkpointer.acquireLease(thread: "t", owner: "b", now: now.addingTimeInterval(30), expiresAt: now.addingTimeInterval(90))
        }
        #expect(busy?.kind == .threadBusy)
        try await checkpointer.acquireLease(thread: "t", owner: "b", now: now.addingTimeInterval(61), expiresAt: now.addingTimeInterval(121))
        await #expect(throws: GraphError.self) {
            try await checkpointer.renewLease(thread: "t", owner: "crashed", expiresAt: now.addingTimeInterval(200))
        }

        let checkpoint = Checkpoint(
            thread: "t", sequence: 1, step: 0, status: .running, nodes: [], payload: Data("{}".utf8), snapshot: nil, createdAt: now
        )
        let refused = await #expect(throws: StoreError.self) { try await checkpointer.append(checkpoint) }
        #expect(refused?.description.contains("checkpoint 1 of graph thread t is out of sequence: the latest stored is none") == true)
    }

    @Test(arguments: SQLDialect.allCases) func aHundredStepThreadStoresDeltasAndReplaysAnyCheckpoint(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        var builder = GraphBuilder<Job>()
        builder.addNode("write", writes: [\Job.pages, \Job.log, \Job.count]) { state, _ in
            let count = state.count + 1
            return Update<Job>()
                .setting(\.count, count)
                .setting(\.pages, ["page-\(count % 30)": String(repeating: "y", count: 100) + " \(count)"])
                .appending(\.log, "step \(count)")
        }
        builder.addEdge(from: Graph.start, to: "write")
        builder.addConditionalEdge(from: "write", to: ["write", Graph.end]) { $0.count >= 100 ? Graph.end : "write" }
        let engine = GraphEngine(graph: try builder.compile(maxSteps: 200), checkpointer: SQLCheckpointer(store: fixture.store))
        let input = Job(pages: Dictionary(uniqueKeysWithValues: (0..<30).map { ("page-\($0)", String(repeating: "x", count: 100) + " \($0)") }))

        let run = try await engine.start(thread: "t", input: input)
        #expect(run.state.count == 100)

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let fullBytes = try encoder.encode(run.state).count
        let sizes = try fixture.rawDatabase().query(
            "SELECT count(*), sum(length(payload)), sum(coalesce(length(snapshot), 0)), count(snapshot) FROM graph_checkpoints WHERE seq > 0"
        ) { (count: try $0.int(at: 0), payload: try $0.int(at: 1), snapshots: try $0.int(at: 2), snapshotCount: try $0.int(at: 3)) }[0]
        let averageDelta = sizes.payload / sizes.count
        print("checkpoint bytes (SQLite): full state \(fullBytes), delta avg \(averageDelta), \(sizes.count) checkpoints hold "
              + "\(sizes.payload) delta + \(sizes.snapshotCount) snapshots \(sizes.snapshots) = \(sizes.payload + sizes.snapshots) "
              + "vs \(fullBytes * sizes.count) as full states")
        #expect(sizes.count == 100)
        #expect(averageDelta * 5 < fullBytes)

        let reopened = GraphEngine(graph: engine.graph, checkpointer: SQLCheckpointer(store: try await fixture.reopen()))
        for sequence in [0, 24, 25, 26, 99, 100] {
            #expect(try await reopened.state(thread: "t", at: sequence).count == sequence)
        }
        #expect(try await reopened.state(thread: "t") == run.state)
    }
}
