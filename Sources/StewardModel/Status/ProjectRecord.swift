import Foundation

/// Who made a project's repository: the rule "Steward never rewrites what a person wrote" rests on it.
public enum RepoOrigin: String, Sendable, Hashable, Codable, CaseIterable {
    /// The Architect created it on the forge: agents push to its branch.
    case created
    /// It existed before Steward used it: agents propose changes on a branch of their own, never push to
    /// the deployed one (unless the manifest says `agents.write: direct`).
    case adopted
}

/// What the store knows of one project: its last applied spec, phase and deploy history.
public struct ProjectRecord: Sendable, Hashable, Codable {
    public var name: String
    /// `owner/name` on the forge.
    public var repo: String?
    /// The forge's immutable repository id, once known.
    public var githubRepoID: Int64?
    /// The manifest file that declared it, relative to the config repo root; nil for discovered repos.
    public var manifestPath: String?
    public var phase: ProjectPhase
    /// The phase to return to when an interruption (setup_required, waiting_for_resources, error, missing) ends.
    public var resumePhase: ProjectPhase?
    /// Consecutive transient failures (persisted so a restart does not forget them).
    public var failCount: Int
    /// Incremented each time the spec hash changes (as Kubernetes' metadata.generation).
    public var generation: Int64
    /// The generation the controller last finished reconciling.
    public var observedGeneration: Int64
    /// SHA-256 of the canonical spec.
    public var specHash: String?
    /// The spec as last applied, canonical JSON.
    public var spec: ProjectSpec?
    public var conditions: [Condition]
    /// Server the project runs on, and the port allocated there.
    public var server: String?
    public var port: Int?
    /// Input hash and commit of the last successful deploy.
    public var lastDeployInputHash: String?
    public var lastDeployCommit: String?
    public var lastDeployedAt: Date?
    /// The manifest was removed from the config repo; the project is kept unless `prune: true`.
    public var orphaned: Bool
    /// The forge reports the repo archived (flagged, never deleted).
    public var archived: Bool
    public var updatedAt: Date
    /// Ids of the change requests (`spec.changes`) the engineering agents implemented and verified (or a person
    /// said to skip). A change request of an active project that is not here starts maintenance.
    public var implementedChanges: [String]
    /// The agent graph's progress, as its thread last reported it. Written only by `StateStore.setAgentStatus`
    /// (the graph runs beside other writers of the record): `save(project:)` keeps the stored values.
    public var engineeringStatus: EngineeringStatus
    /// Zavhoz's progress, as the project's thread last reported it (see `engineeringStatus`).
    public var zavhozStatus: ZavhozStatus
    /// Who made the repo; nil until Steward found or created it (nil is treated as adopted: never written).
    public var repoOrigin: RepoOrigin?
    /// The agents' changes waiting on a branch (a pull request on GitHub) for a person to merge; nil when none.
    public var proposal: ChangeProposal?

    public init(
        name: String, repo: String? = nil, githubRepoID: Int64? = nil, manifestPath: String? = nil,
        phase: ProjectPhase, resumePhase: ProjectPhase? = nil, failCount: Int = 0, generation: Int64 = 0,
        observedGeneration: Int64 = 0, specHash: String? = nil, spec: ProjectSpec? = nil,
        conditions: [Condition] = [], server: String? = nil, port: Int? = nil,
        lastDeployInputHash: String? = nil, lastDeployCommit: String? = nil, lastDeployedAt: Date? = nil,
        orphaned: Bool = false, archived: Bool = false, updatedAt: Date, implementedChanges: [String] = [],
        engineeringStatus: EngineeringStatus = .idle, zavhozStatus: ZavhozStatus = .idle, repoOrigin: RepoOrigin? = nil,
        proposal: ChangeProposal? = nil
    ) {
        self.repoOrigin = repoOrigin
        self.proposal = proposal
        self.implementedChanges = implementedChanges
        self.engineeringStatus = engineeringStatus
        self.zavhozStatus = zavhozStatus
        self.archived = archived
        self.name = name
        self.repo = repo
        self.githubRepoID = githubRepoID
        self.manifestPath = manifestPath
        self.phase = phase
        self.resumePhase = resumePhase
        self.failCount = failCount
        self.generation = generation
        self.observedGeneration = observedGeneration
        self.specHash = specHash
        self.spec = spec
        self.conditions = conditions
        self.server = server
        self.port = port
        self.lastDeployInputHash = lastDeployInputHash
        self.lastDeployCommit = lastDeployCommit
        self.lastDeployedAt = lastDeployedAt
        self.orphaned = orphaned
        self.updatedAt = updatedAt
    }
}

/// What the store knows of one server: its spec, status, trusted host key, facts and deploy markers.
public struct ServerRecord: Sendable, Hashable, Codable {
    public var name: String
    public var manifestPath: String?
    public var status: ServerStatus
    /// Consecutive failed reachability checks (persisted; `thresholds.unreachableAfter` of them -> `error`).
    public var failCount: Int
    public var generation: Int64
    public var observedGeneration: Int64
    public var specHash: String?
    public var spec: ServerSpec?
    public var conditions: [Condition]
    public var orphaned: Bool
    public var updatedAt: Date
    /// The SSH host key Steward trusts (`TYPE BASE64`): the pinned `spec.hostKey`, or the key seen on first use.
    public var hostKey: String?
    /// What the last successful server_sync gathered.
    public var facts: ServerFacts?
    /// The last successful check.
    public var lastSeenAt: Date?
    /// The last check, successful or not.
    public var lastCheckedAt: Date?
    /// Consecutive failed provisioning runs (bounded; reset by success, changed inputs or `--reprovision`).
    public var provisionAttempts: Int
    /// Provisioning inputs (playbooks + server spec) of the last successful provisioning.
    public var provisionedHash: String?
    /// What each project's deploy left on the server (`deployed.json`), by project, as last read.
    public var deployMarkers: [String: DeployMarker]

    public init(
        name: String, manifestPath: String? = nil, status: ServerStatus, failCount: Int = 0,
        generation: Int64 = 0, observedGeneration: Int64 = 0, specHash: String? = nil, spec: ServerSpec? = nil,
        conditions: [Condition] = [], orphaned: Bool = false, updatedAt: Date, hostKey: String? = nil,
        facts: ServerFacts? = nil, lastSeenAt: Date? = nil, lastCheckedAt: Date? = nil, provisionAttempts: Int = 0,
        provisionedHash: String? = nil, deployMarkers: [String: DeployMarker] = [:]
    ) {
        self.name = name
        self.manifestPath = manifestPath
        self.status = status
        self.failCount = failCount
        self.generation = generation
        self.observedGeneration = observedGeneration
        self.specHash = specHash
        self.spec = spec
        self.conditions = conditions
        self.orphaned = orphaned
        self.updatedAt = updatedAt
        self.hostKey = hostKey
        self.facts = facts
        self.lastSeenAt = lastSeenAt
        self.lastCheckedAt = lastCheckedAt
        self.provisionAttempts = provisionAttempts
        self.provisionedHash = provisionedHash
        self.deployMarkers = deployMarkers
    }
}
