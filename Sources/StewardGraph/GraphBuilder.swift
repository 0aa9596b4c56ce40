import Foundation

/// Declares a graph's nodes and edges; `compile()` checks it and returns the runnable `CompiledGraph`.
///
/// Nodes run in steps: every node made ready by the previous step runs concurrently in the next one, on
/// the same state; their updates are merged by the channels' reducers in node-name order. Edges:
/// - `addEdge(from:to:)`: always go on (several edges from one node fan out);
/// - `addEdge(from: [a, b], to:)`: a join, the target runs once all sources have finished;
/// - `addConditionalEdge`: a router picks one of its declared targets from the new state;
/// - `addFanOut`: a router picks several of its declared targets, which run in parallel.
public struct GraphBuilder<State: GraphState> {
    private(set) var nodes: [String: NodeDefinition<State>] = [:]
    private(set) var edges: [String: [String]] = [:]
    private(set) var joins: [JoinEdge] = []
    private(set) var routes: [String: [Route<State>]] = [:]
    private var problems: [String] = []

    /// An empty graph.
    public init() {}

    /// Adds a node.
    /// - Parameters:
    ///   - name: unique among the graph's nodes; not `Graph.start` or `Graph.end`, no `/`.
    ///   - writes: the channels the node may write; a write outside them fails the step, and two nodes
    ///     that may run in one step must not share a channel without a reducer (checked by `compile()`).
    ///   - maxRuns: how often the node may run in one thread before the thread is `blocked` (loops).
    ///   - timeout: how long one run may take before the step fails with `nodeTimedOut`.
    ///   - run: the node: reads the state, returns its update; may `interrupt` and record `effect`s through
    ///     the context.
    public mutating func addNode(
        _ name: String, writes: [PartialKeyPath<State>], maxRuns: Int? = nil, timeout: Duration? = nil,
        _ run: @escaping @Sendable (State, NodeContext) async throws -> Update<State>
    ) {
        if name.isEmpty || name == Graph.start || name == Graph.end || name.contains("/") {
            problems.append("node name \(name.debugDescription) is reserved or invalid: use a non-empty name without \"/\"")
            return
        }
        if nodes[name] != nil {
            problems.append("node \(name) is added twice; node names must be unique")
            return
        }
        var channels: Set<String> = []
        for keyPath in writes {
            if let channel = State.schema.channelName(for: keyPath) {
                channels.insert(channel)
            } else {
                problems.append(
                    "node \(name) declares a write to \(keyPath), which is not a channel of \(State.self); add it to \(State.self).schema"
                )
            }
        }
        if let maxRuns, maxRuns < 1 {
            problems.append("node \(name) has maxRuns \(maxRuns); it must be at least 1")
        }
        nodes[name] = NodeDefinition(name: name, writes: channels, maxRuns: maxRuns, timeout: timeout, run: run)
    }

    /// Adds an edge: after `source` runs, `target` runs in the next step.
    public mutating func addEdge(from source: String, to target: String) {
        edges[source, default: []].append(target)
    }

    /// Adds a join: `target` runs in the step after the last of `sources` has run (each source at least
    /// once since the join last fired), so a slower branch is always waited for.
    public mutating func addEdge(from sources: [String], to target: String) {
        guard sources.count > 1 else {
            if let source = sources.first { addEdge(from: source, to: target) }
            return
        }
        if sources.contains(Graph.start) {
            problems.append("a join cannot wait for \(Graph.start); use plain edges from it")
        }
        joins.append(JoinEdge(sources: Set(sources), target: target))
    }

    /// Adds a router: after `source` runs, `route` picks one of `targets` (or `Graph.end`) from the
    /// updated state.
    public mutating func addConditionalEdge(
        from source: String, to targets: [String], _ route: @escaping @Sendable (State) -> String
    ) {
        routes[source, default: []].append(Route(targets: targets, fanOut: false) { [route($0)] })
    }

    /// Adds a fan-out router: after `source` runs, `route` picks any of `targets`, which run in parallel
    /// in the next step (none or only `Graph.end`: the branch ends).
    public mutating func addFanOut(
        from source: String, to targets: [String], _ route: @escaping @Sendable (State) -> [String]
    ) {
        routes[source, default: []].append(Route(targets: targets, fanOut: true, choose: route))
    }

    /// Checks the graph and freezes it.
    /// - Parameter maxSteps: the most steps one run of a thread may take before it is `blocked`
    ///   (a `resume` grants as many again).
    /// - Throws: `GraphBuildError` naming every problem: unknown or unreachable-by-edge nodes, a node
    ///   without an outgoing edge, and channels without a reducer that two nodes of one step may write.
    public func compile(maxSteps: Int = 25) throws -> CompiledGraph<State> {
        var problems = problems
        if maxSteps < 1 { problems.append("maxSteps is \(maxSteps); it must be at least 1") }
        let known = Set(nodes.keys)
        func check(_ name: String, as role: String) {
            if !known.contains(name) { problems.append("\(role) \(name.debugDescription) is not a node of the graph") }
        }
        for (source, targets) in edges {
            if source != Graph.start { check(source, as: "edge source") }
            for target in targets where target != Graph.end { check(target, as: "edge target from \(source)") }
        }
        for join in joins {
            for source in join.sources.sorted() { check(source, as: "join source") }
            if join.target != Graph.end { check(join.target, as: "join target") }
        }
        for (source, list) in routes {
            if source != Graph.start { check(source, as: "router source") }
            for route in list {
                for target in route.targets where target != Graph.end { check(target, as: "router target from \(source)") }
            }
        }
        if edges[Graph.start] == nil && routes[Graph.start] == nil {
            problems.append("nothing leaves \(Graph.start): add an edge from Graph.start to the first node")
        }
        let joinSources = Set(joins.flatMap(\.sources))
        for name in known.sorted() where edges[name] == nil && routes[name] == nil && !joinSources.contains(name) {
            problems.append("node \(name) has no outgoing edge; add one (to Graph.end if the thread ends there)")
        }
        guard problems.isEmpty else { throw GraphBuildError(problems.joined(separator: "\n")) }

        let graph = CompiledGraph(nodes: nodes, edges: edges, joins: joins, routes: routes, maxSteps: maxSteps)
        let conflicts = graph.parallelWriteConflicts()
        guard conflicts.isEmpty else { throw GraphBuildError(conflicts.joined(separator: "\n")) }
        return graph
    }
}

/// A node as declared.
struct NodeDefinition<State: GraphState>: Sendable {
    let name: String
    let writes: Set<String>
    let maxRuns: Int?
    let timeout: Duration?
    let run: @Sendable (State, NodeContext) async throws -> Update<State>
}

/// `target` runs once every source has run.
struct JoinEdge: Sendable, Hashable {
    let sources: Set<String>
    let target: String
}

/// A conditional edge: declared targets and the function that picks among them.
struct Route<State: GraphState>: Sendable {
    let targets: [String]
    let fanOut: Bool
    let choose: @Sendable (State) -> [String]
}
