import StewardGraph
import StewardModel

/// The state of a project's thread (`project/NAME/gGENERATION`): the manifest's inputs and what the agents
/// decided. `zavhozStatus` and `engineeringStatus` live here, in the checkpoints, and the runner copies them to
/// the project's record as the thread runs (`ProjectGraphRunner`), where `describe` and `get` read them.
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
    /// That server's port range, `[lower, upper]` (nil in threads started before Zavhoz allocated ports).
    public var plannedPortRange: [Int]?
    /// How many ports the project needs: the public one, plus two slots for blue/green.
    public var plannedPortCount: Int?
    /// Change requests implemented before this thread (nil in threads started before maintenance existed).
    public var implementedBefore: [String]?
    /// A maintenance thread: the project is deployed, its repo exists; only new change requests are engineered.
    public var maintenance: Bool?
    /// `spec.agents.write: direct`: the agents push to a repo Steward did not create (nil: they propose).
    public var writeDirect: Bool?

    // Channels.
    public var zavhozStatus = ZavhozStatus.idle
    public var engineeringStatus = EngineeringStatus.idle
    /// The server Zavhoz recorded.
    public var server: String?
    /// The ports Zavhoz allocated there (the public one first); nil when none were allocated.
    public var ports: [Int]?
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
        .lastValue("ports", \.ports),
        .lastValue("commit", \.commit),
        .lastValue("engineered", \.engineered),
        .lastValue("outcome", \.outcome),
        .appending("log", \.log)
    )

    /// The thread's input for a project manifest and its record's generation.
    public init(
        project: ProjectManifest, generation: Int64, plannedServer: String?, implementedBefore: [String] = [],
        maintenance: Bool = false, plannedPortRange: ClosedRange<Int>? = nil
    ) {
        self.plannedPortRange = plannedPortRange.map { [$0.lowerBound, $0.upperBound] }
        plannedPortCount = project.spec.deploy.strategy == .blueGreen ? 3 : 1
        self.implementedBefore = implementedBefore
        self.maintenance = maintenance
        self.project = project.name
        self.generation = generation
        repo = project.spec.repo
        brief = project.spec.brief ?? ""
        changes = project.spec.changes
        stage = project.spec.stage
        writeDirect = project.spec.agents?.write == .direct ? true : nil
        self.plannedServer = plannedServer
    }

    /// The thread id of a project's generation.
    public static func thread(project: String, generation: Int64) -> String {
        "project/\(project)/g\(generation)"
    }
}
