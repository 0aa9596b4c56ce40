import StewardGraph
import StewardModel

/// Where a project's thread stands, read from its latest checkpoint (for `steward describe project`).
public struct ProjectThreadStatus: Sendable, Hashable {
    public var thread: String
    /// `running`, `interrupted`, `blocked`, `failed` or `completed`.
    public var status: String
    /// The pending question of an interrupted thread.
    public var question: String?
    public var zavhoz: ZavhozStatus
    /// `blocked` while the engineering node waits for a person or hit a loop limit.
    public var engineering: EngineeringStatus
    public var server: String?
    public var outcome: String
    public var step: Int

    /// The status of the project's thread for `generation`, nil when it never started.
    public static func read(checkpointer: any Checkpointer, project: String, generation: Int64) async throws -> ProjectThreadStatus? {
        let engine = try reader(checkpointer)
        let thread = ProjectThreadState.thread(project: project, generation: generation)
        guard let run = try await engine.current(thread: thread) else { return nil }
        let (status, question): (String, String?)
        switch run.status {
        case .completed: (status, question) = ("completed", nil)
        case .running: (status, question) = ("running", nil)
        case .failed(let message): (status, question) = ("failed: \(message)", nil)
        case .blocked(let reason): (status, question) = ("blocked: \(reason)", nil)
        case .interrupted(let questions):
            (status, question) = ("interrupted at \(questions.map(\.node).joined(separator: ", "))", questions.map(\.question).joined(separator: "\n"))
        }
        let (engineering, zavhoz) = agentStatuses(of: run)
        return ProjectThreadStatus(
            thread: thread, status: status, question: question, zavhoz: zavhoz, engineering: engineering,
            server: run.state.server, outcome: run.state.outcome, step: run.step)
    }

    /// engineering_status and zavhoz_status of a run: the state's, except that engineering is `blocked` while
    /// its node waits for a person or the thread hit a loop limit.
    public static func agentStatuses(of run: GraphRun<ProjectThreadState>) -> (EngineeringStatus, ZavhozStatus) {
        switch run.status {
        case .blocked: return (.blocked, run.state.zavhozStatus)
        case .interrupted(let questions) where questions.contains(where: { $0.node == "engineering" }):
            return (.blocked, run.state.zavhozStatus)
        default: return (run.state.engineeringStatus, run.state.zavhozStatus)
        }
    }

    /// The checkpoints of the project's thread for `generation`, oldest first (`steward history`).
    public static func history(checkpointer: any Checkpointer, project: String, generation: Int64) async throws -> [CheckpointSummary] {
        try await reader(checkpointer).history(thread: ProjectThreadState.thread(project: project, generation: generation))
    }

    /// The thread's state as it was at checkpoint `sequence` (rebuilt from the nearest snapshot and the deltas).
    public static func state(
        checkpointer: any Checkpointer, project: String, generation: Int64, at sequence: Int
    ) async throws -> ProjectThreadState {
        try await reader(checkpointer).state(thread: ProjectThreadState.thread(project: project, generation: generation), at: sequence)
    }

    /// An engine that only reads threads of the project state type: its graph is never run.
    private static func reader(_ checkpointer: any Checkpointer) throws -> GraphEngine<ProjectThreadState> {
        var builder = GraphBuilder<ProjectThreadState>()
        builder.addNode("read", writes: []) { _, _ in Update<ProjectThreadState>() }
        builder.addEdge(from: Graph.start, to: "read")
        builder.addEdge(from: "read", to: Graph.end)
        return GraphEngine(graph: try builder.compile(), checkpointer: checkpointer)
    }
}
