import StewardModel

/// What Steward saw of a project's repository on the forge.
public enum RepoObservation: Sendable, Hashable {
    case found(ResolvedRepo)
    /// The forge says the repository does not exist.
    case missing
    /// The forge could not be asked (network, permissions): a transient problem, never a phase change.
    case unavailable(String)
}

/// Where a deploy playbook comes from, and the hash of the tree it lives in (part of the deploy inputs).
public struct PlaybookSource: Sendable, Hashable, Codable {
    /// Which `playbooks/` directory holds it.
    public enum Origin: String, Sendable, Hashable, Codable {
        case configRepo
        case steward
    }

    /// Path relative to that `playbooks/` directory.
    public var playbook: String
    public var origin: Origin
    /// SHA-256 over the (path, blob) pairs of the whole playbooks tree.
    public var treeHash: String

    public init(playbook: String, origin: Origin, treeHash: String) {
        self.playbook = playbook
        self.origin = origin
        self.treeHash = treeHash
    }
}

/// Everything the planner knows of reality. Gathered by the reconciler before planning; no I/O after.
public struct ObservedState: Sendable {
    public var projects: [String: ProjectRecord]
    public var servers: [String: ServerRecord]
    /// By project name.
    public var repos: [String: RepoObservation]
    /// Secret versions available per project, by name (values never reach the planner).
    public var secrets: [String: [String: Int]]
    /// By `spec.deploy.playbook`.
    public var playbooks: [String: PlaybookSource]
    /// Ports held, by project.
    public var ports: [String: PortAllocation]
    /// Active projects the health checker declared down (an open service_down): a deploy repairs them.
    public var serviceDown: Set<String> = []
    /// Projects the Recovery agent redeploys whatever their inputs (`steward fix`): never adopted, never skipped.
    public var forceDeploy: Set<String> = []
    /// Projects bound for the agents whose repo (not created by Steward) already holds an app the deploy can
    /// start (`RunnableApp`): deployed as they are, never engineered. Looked at only for such projects.
    public var runnable: Set<String> = []
    /// Objects suspended by `steward suspend`, as `Project/NAME` and `Server/NAME` (`spec.suspend` is the manifest's).
    public var suspended: Set<String> = []
    /// Projects whose last drift check found the server changed, with no deploy since (`Drifted=True`): with
    /// `selfHeal` a deploy of the same inputs puts the server back.
    public var drifted: Set<String> = []
    /// Projects `steward rollback --no-commit` pinned (and whose manifest did not change since), with the commit their
    /// observed repo now says (part of the world digest: an unpin is a change).
    public var pinned: [String: String] = [:]

    public init(
        projects: [String: ProjectRecord] = [:], servers: [String: ServerRecord] = [:],
        repos: [String: RepoObservation] = [:], secrets: [String: [String: Int]] = [:],
        playbooks: [String: PlaybookSource] = [:], ports: [String: PortAllocation] = [:]
    ) {
        self.ports = ports
        self.projects = projects
        self.servers = servers
        self.repos = repos
        self.secrets = secrets
        self.playbooks = playbooks
    }
}
