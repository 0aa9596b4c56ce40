import StewardCore
import StewardGraph
import StewardModel

/// What the Tester found: the check it ran, whether it passed, the tail of its output.
public struct TestReport: Sendable, Codable, Hashable {
    public var command: String
    /// True also when the repo has no checks (`noChecks`): that is a warning, never a failure that sends the
    /// Developer in to "fix" someone's working code.
    public var passed: Bool
    public var output: String
    /// The repo has no checks the Tester knows (nil in reports of checkpoints older than this field).
    public var noChecks: Bool?

    public init(command: String, passed: Bool, output: String, noChecks: Bool? = nil) {
        self.command = command
        self.passed = passed
        self.output = output
        self.noChecks = noChecks
    }
}

/// The Engineering subgraph's state: Architect ⇄ Developer → Tester → Architect's review.
public struct EngineeringState: GraphState {
    public var project: String
    public var repo: String
    public var brief: String
    public var changes: [ProjectSpec.Change]
    public var stage: ProjectSpec.Stage
    /// A maintenance thread (nil in threads started before maintenance existed): the Architect finds the repo
    /// and plans the new change requests instead of creating, scaffolding and designing.
    public var maintenance: Bool?

    /// The project's generation (nil in checkpoints older than proposals): names the proposal branch.
    public var generation: Int64?
    /// `spec.agents.write: direct` (nil: propose).
    public var writeDirect: Bool?

    /// The repository once the Architect has created or found it.
    public var repository: ForgeRepository?
    /// Where the agents commit in a repo Steward did not create: `steward/<generation>-<project>`, proposed to a
    /// person at the end (docs/ARCHITECTURE.md §5). nil: the repo's default branch (Steward created the repo).
    public var proposalBranch: String?
    /// The proposal a person was asked to merge.
    public var proposal: ChangeProposal?
    /// The latest commit of the default branch the agents made or found.
    public var commit: String?
    /// Change request ids the Developer has implemented (or a person said to skip).
    public var implemented: [String] = []
    /// The Tester's latest report; its failure goes back to the Developer.
    public var report: TestReport?
    /// Tester runs since the last person's answer; 3 failed in a row block engineering.
    public var iterations = 0
    /// A person's guidance after engineering was blocked, for the Developer's next attempt.
    public var guidance: String?
    public var status = EngineeringStatus.working
    /// The Architect's review verdict.
    public var approved = false
    public var log: [String] = []

    public static let schema = StateSchema<EngineeringState>(
        .lastValue("repository", \.repository),
        .lastValue("proposal_branch", \.proposalBranch),
        .lastValue("proposal", \.proposal),
        .lastValue("commit", \.commit),
        .lastValue("implemented", \.implemented),
        .lastValue("report", \.report),
        .lastValue("iterations", \.iterations),
        .lastValue("guidance", \.guidance),
        .lastValue("status", \.status),
        .lastValue("approved", \.approved),
        .appending("log", \.log)
    )

    /// The subgraph's input from the project's thread.
    public init(_ parent: ProjectThreadState) {
        project = parent.project
        repo = parent.repo
        brief = parent.brief
        changes = parent.changes
        stage = parent.stage
        maintenance = parent.maintenance
        generation = parent.generation
        writeDirect = parent.writeDirect
        implemented = parent.implementedBefore ?? []
    }

    /// The branch the agents commit to: the proposal branch, else the repo's default branch.
    public var workBranch: String? {
        proposalBranch ?? repository?.defaultBranch
    }

    /// Change requests not implemented yet, in manifest order.
    public var pendingChanges: [ProjectSpec.Change] {
        changes.filter { !implemented.contains($0.id) }
    }
}
