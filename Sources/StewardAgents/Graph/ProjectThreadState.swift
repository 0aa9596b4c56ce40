import StewardGraph
import StewardModel

/// Zavhoz's progress (seed 3.2): idle (nothing to place), working (no server fits yet), done (placed).
public enum ZavhozStatus: String, Sendable, Codable, Hashable {
    case idle, working, done
}

/// The Engineering subgraph's progress (seed 3.2): idle, working, blocked (waiting for a person or over its
/// iteration budget).
public enum EngineeringStatus: String, Sendable, Codable, Hashable {
    case idle, working, blocked
}

/// The state of a project's thread (`project/NAME/gGENERATION`): the manifest's inputs and what the agents
/// decided. `zavhozStatus` and `engineeringStatus` live here, in the checkpoints: `steward describe project`
/// reads them from the latest checkpoint (`ProjectThreadStatus`).
public struct ProjectThreadState: GraphState {
    // Inputs, from the manifest and the planner.
    public var project: String
    public var generation: Int64
    public var repo: String
    public var brief: String
    public var changes: [ProjectSpec.Change]
    public var stage: ProjectSpec.Stage
    /// Where the planner placed the project (Placement, Zavhoz's rule); nil when nothing fits.
    public var plannedServer: String?

    // Channels.
    public var zavhozStatus = ZavhozStatus.idle
    public var engineeringStatus = EngineeringStatus.idle
    /// The server Zavhoz recorded.
    public var server: String?
    /// The commit the Engineering subgraph verified (or reached its stage with).
    public var commit: String?
    /// Whether Engineering reached the project's stage.
    public var engineered = false
    /// How the thread ended: `ready to deploy`, `waiting for resources: …`, `designed`, …
    public var outcome = ""
    /// One line per agent decision.
    public var log: [String] = []

    public static let schema = StateSchema<ProjectThreadState>(
        .lastValue("zavhoz_status", \.zavhozStatus),
        .lastValue("engineering_status", \.engineeringStatus),
        .lastValue("server", \.server),
        .lastValue("commit", \.commit),
        .lastValue("engineered", \.engineered),
        .lastValue("outcome", \.outcome),
        .appending("log", \.log)
    )

    /// The thread's input for a project manifest and its record's generation.
    public init(project: ProjectManifest, generation: Int64, plannedServer: String?) {
        self.project = project.name
        self.generation = generation
        repo = project.spec.repo
        brief = project.spec.brief ?? ""
        changes = project.spec.changes
        stage = project.spec.stage
        self.plannedServer = plannedServer
    }

    /// The thread id of a project's generation.
    public static func thread(project: String, generation: Int64) -> String {
        "project/\(project)/g\(generation)"
    }
}
