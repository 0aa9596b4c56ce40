import StewardModel

/// The engineering agents as the reconciler sees them: runs or resumes a project's agent-graph thread
/// (StewardAgents implements it; the CLI wires it). A thread never runs twice at once.
public protocol ProjectEngineering: Sendable {
    /// Starts the project's thread for this generation, or resumes it, and runs it until it completes, asks a
    /// person or is blocked. The graph moves the project's phase itself (designing … verified), each step
    /// validated and recorded as an event.
    /// - Throws: a failing step's error (the next pass resumes the thread at that step).
    func advance(_ request: EngineeringRequest) async throws -> EngineeringOutcome
}

/// What the reconciler asks of the engineering agents for one project.
public struct EngineeringRequest: Sendable {
    public var project: ProjectManifest
    /// The project record's generation: one thread per project and generation.
    public var generation: Int64
    /// Where the planner placed it (nil: no ready server has room, or its stage does not deploy).
    public var server: String?
    /// That server's port range (`capacity.ports`), where Zavhoz allocates the project's ports.
    public var serverPorts: ClosedRange<Int>?
    public var settings: Settings
    /// A person's answer to the thread's pending question (`steward answer`).
    public var answer: String?
    /// Change requests already implemented (`ProjectRecord.implementedChanges`): a new thread leaves them alone.
    public var implemented: [String]
    /// The project is deployed and in maintenance: its repo exists and only the change requests not yet
    /// implemented are engineered (the Architect neither scaffolds nor redesigns).
    public var maintenance: Bool

    public init(
        project: ProjectManifest, generation: Int64, server: String?, settings: Settings, answer: String? = nil,
        implemented: [String] = [], maintenance: Bool = false, serverPorts: ClosedRange<Int>? = nil
    ) {
        self.serverPorts = serverPorts
        self.project = project
        self.generation = generation
        self.server = server
        self.settings = settings
        self.answer = answer
        self.implemented = implemented
        self.maintenance = maintenance
    }
}

/// How a run of a project's thread ended.
public enum EngineeringOutcome: Sendable, Hashable {
    /// The thread finished (e.g. `ready to deploy`, `waiting for resources`, `designed`).
    case completed(String)
    /// The thread waits for a person's answer to `question`.
    case waiting(question: String)
    /// A loop limit was reached; an answer (any text) resumes it with a fresh budget.
    case blocked(String)
    /// Another run holds the thread.
    case busy
}
