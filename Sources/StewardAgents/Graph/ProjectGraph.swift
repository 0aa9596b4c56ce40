import Foundation
import StewardGraph
import StewardModel

/// Steward's graph, one thread per project and generation:
///
/// ```
/// po ─▶ ┬─ zavhoz ───────┐
///       └─ engineering ──┴─▶ preflight ─┬▶ devops ─▶ end (the reconciler deploys)
///                                       ├▶ waiting ─▶ end (waiting_for_resources)
///                                       └▶ end (stage designed / implemented / verified)
/// ```
/// The join waits for both branches; they write different channels, so the result never depends on timing.
public enum ProjectGraph {
    /// The compiled project graph over `environment`.
    public static func build(_ environment: AgentEnvironment) throws -> CompiledGraph<ProjectThreadState> {
        let engineering = try EngineeringGraph.build(environment)
        let zavhoz = Zavhoz(recorder: environment.recorder)
        let devops = DevOps(recorder: environment.recorder)
        var builder = GraphBuilder<ProjectThreadState>()
        builder.addNode("po", writes: [\.zavhozStatus, \.engineeringStatus, \.log]) { state, _ in
            // PO dispatch: both agents start at once (LangGraph's Send); the thread's input says what to build.
            Update<ProjectThreadState>()
                .setting(\.zavhozStatus, state.stage == .active ? .working : .idle)
                .setting(\.engineeringStatus, .working)
                .appending(\.log, "po: dispatch zavhoz and engineering for \(state.repo) (stage \(state.stage.rawValue))")
        }
        builder.addNode("zavhoz", writes: [\.zavhozStatus, \.server, \.ports, \.log]) { state, _ in try await zavhoz.place(state) }
        builder.addSubgraph(
            "engineering", engineering, writes: [\.engineeringStatus, \.commit, \.engineered, \.log],
            input: { EngineeringState($0) },
            output: { child in
                Update<ProjectThreadState>()
                    .setting(\.engineeringStatus, .idle).setting(\.commit, child.commit).setting(\.engineered, true)
                    .appending(\.log, "engineering: " + child.log.joined(separator: " | "))
            })
        let recorder = environment.recorder
        builder.addNode("preflight", writes: [\.outcome, \.log]) { state, _ in
            let outcome = state.stage == .active ? "" : "stage \(state.stage.rawValue) reached"
            if state.stage != .active, state.engineered {
                try await recorder.settle(state.project, "\(outcome) at \(state.commit.map { String($0.prefix(12)) } ?? "-")")
            }
            // After the join: both agents reported; the record shows it before DevOps or the wait.
            try await recorder.agentStatus(state.project, (state.engineeringStatus, state.zavhozStatus))
            return Update<ProjectThreadState>()
                .setting(\.outcome, outcome)
                .appending(\.log, "preflight: engineered \(state.engineered), server \(state.server ?? "none")")
        }
        builder.addNode("devops", writes: [\.outcome, \.log]) { state, _ in try await devops.hand(state) }
        builder.addNode("waiting", writes: [\.outcome, \.zavhozStatus, \.log]) { _, _ in
            Update<ProjectThreadState>()
                .setting(\.outcome, "waiting for resources").setting(\.zavhozStatus, .working)
                .appending(\.log, "preflight: no server has room; the project waits for resources")
        }
        builder.addEdge(from: Graph.start, to: "po")
        builder.addEdge(from: "po", to: "zavhoz")
        builder.addEdge(from: "po", to: "engineering")
        builder.addEdge(from: ["zavhoz", "engineering"], to: "preflight")
        builder.addConditionalEdge(from: "preflight", to: ["devops", "waiting", Graph.end]) { state in
            guard state.stage == .active, state.engineered else { return Graph.end }
            return state.server == nil ? "waiting" : "devops"
        }
        builder.addEdge(from: "devops", to: Graph.end)
        builder.addEdge(from: "waiting", to: Graph.end)
        return try builder.compile(maxSteps: 25)
    }
}
