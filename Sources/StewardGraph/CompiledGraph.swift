import Foundation

/// A checked, immutable graph: run it with a `GraphEngine`, or embed it in another graph as a node
/// (`GraphBuilder.addSubgraph`).
public final class CompiledGraph<State: GraphState>: Sendable {
    let nodes: [String: NodeDefinition<State>]
    let edges: [String: [String]]
    let joins: [JoinEdge]
    let routes: [String: [Route<State>]]
    /// The most steps one run may take before the thread is `blocked`.
    public let maxSteps: Int

    init(
        nodes: [String: NodeDefinition<State>], edges: [String: [String]], joins: [JoinEdge],
        routes: [String: [Route<State>]], maxSteps: Int
    ) {
        self.nodes = nodes
        self.edges = edges
        self.joins = joins
        self.routes = routes
        self.maxSteps = maxSteps
    }

    /// The node names, sorted.
    public var nodeNames: [String] { nodes.keys.sorted() }

    /// The nodes of the next step after `completed` ran (`[Graph.start]` for the first step), sorted and
    /// without `Graph.end`; updates the joins' progress (join index -> sources seen).
    ///
    /// The one transition function of the graph: the engine calls it with the routers' real choices, the
    /// build-time check with every choice a router could make.
    func successors(
        of completed: [String], joinProgress: inout [Int: Set<String>],
        choose: (_ node: String, _ routeIndex: Int, _ route: Route<State>) throws -> [String]
    ) rethrows -> [String] {
        var next = Set<String>()
        for node in completed.sorted() {
            next.formUnion(edges[node] ?? [])
            for (index, route) in (routes[node] ?? []).enumerated() {
                next.formUnion(try choose(node, index, route))
            }
        }
        let done = Set(completed)
        for (index, join) in joins.enumerated() {
            let seen = join.sources.intersection(done)
            guard !seen.isEmpty else { continue }
            let progress = joinProgress[index, default: []].union(seen)
            if progress.isSuperset(of: join.sources) {
                next.insert(join.target)
                joinProgress[index] = nil
            } else {
                joinProgress[index] = progress
            }
        }
        next.remove(Graph.end)
        return next.sorted()
    }

    // MARK: Build-time check of parallel writes

    /// How many (frontier, join progress) states the check explores before it stops; graphs of agents
    /// have a handful of nodes, far below it.
    static var analysisLimit: Int { 20_000 }

    /// Every pair of nodes that may run in one step and write a channel without a reducer, as messages.
    ///
    /// Explores the steps the graph can take, with every choice a router could make (a fan-out router:
    /// every subset of its targets, up to 8 targets; beyond that, all of them at once).
    func parallelWriteConflicts() -> [String] {
        var seen: Set<Position> = []
        var queue: [Position] = []
        var conflicts: Set<String> = []

        func expand(after completed: [String], joins: [Int: Set<String>]) {
            let choicePoints = completed.sorted().flatMap { node in
                (routes[node] ?? []).enumerated().map { (node: node, index: $0.offset, options: Self.options(of: $0.element)) }
            }
            var combination: [String: [String]] = [:]
            func enumerate(_ depth: Int) {
                guard seen.count < Self.analysisLimit else { return }
                if depth == choicePoints.count {
                    var progress = joins
                    let frontier = successors(of: completed, joinProgress: &progress) { node, index, _ in
                        combination["\(node)#\(index)"] ?? []
                    }
                    let position = Position(frontier: frontier, joins: progress)
                    if !frontier.isEmpty, seen.insert(position).inserted { queue.append(position) }
                    return
                }
                let point = choicePoints[depth]
                for option in point.options {
                    combination["\(point.node)#\(point.index)"] = option
                    enumerate(depth + 1)
                }
            }
            enumerate(0)
        }

        expand(after: [Graph.start], joins: [:])
        while let position = queue.popLast() {
            let frontier = position.frontier
            for (offset, first) in frontier.enumerated() {
                for second in frontier[(offset + 1)...] {
                    let shared = (nodes[first]?.writes ?? []).intersection(nodes[second]?.writes ?? [])
                    for channel in shared.sorted() where State.schema.channel(named: channel)?.hasReducer == false {
                        conflicts.insert(
                            "nodes \(first) and \(second) can run in the same step and both write \(channel.debugDescription) of "
                                + "\(State.self), which has no reducer (lastValue): the result would depend on timing. Give "
                                + "\(channel.debugDescription) a reducer (.appending, .merging, .reduced) or order the nodes with an edge"
                        )
                    }
                }
            }
            expand(after: frontier, joins: position.joins)
        }
        return conflicts.sorted()
    }

    /// A state of the build-time exploration.
    private struct Position: Hashable {
        let frontier: [String]
        let joins: [Int: Set<String>]
    }

    /// The choices a router can make, for the build-time check.
    private static func options(of route: Route<State>) -> [[String]] {
        guard route.fanOut else { return route.targets.map { [$0] } }
        let targets = Array(Set(route.targets)).sorted()
        guard targets.count <= 8 else { return [targets] }
        return (1..<(1 << targets.count)).map { mask in
            targets.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
        }
    }
}
