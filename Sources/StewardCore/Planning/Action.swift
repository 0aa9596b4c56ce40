import Logging
import StewardModel

/// A deploy the planner decided on.
public struct DeployPlan: Sendable, Hashable {
    public var project: String
    public var server: ServerManifest
    public var repo: ResolvedRepo
    /// The port already allocated to the project, or nil when the reconciler must allocate ports first.
    public var port: Int?
    /// blue/green: the two slot ports already allocated (ascending), or nil when they must be allocated.
    /// Empty for recreate.
    public var slotPorts: [Int]?
    public var spec: ProjectSpec
    /// The manifest's precomputed spec hash.
    public var specHash: String
    /// `NAME=version` of the referenced secrets (see `DeployInputs.secretVersions`).
    public var secretVersions: String
    public var playbook: PlaybookSource
    /// Why it runs: `first deploy`, `commit abc1234 -> def5678`, `inputs changed`, `retry after failure`.
    public var reason: String
    /// The inputs are those of the last success, but the service is down: run again so the playbook restarts it.
    public var isRepair = false
    /// The project holds ports on another server (Zavhoz allocated them there before its first deploy): the deploy
    /// frees them before it allocates here, so a project's ports are always on one server.
    public var releasesPortsElsewhere = false
    /// The server's part of the inputs (`DeployInputs.serverInputs`); the spec hash unless the planner knew facts.
    public var serverInputs: String

    public init(
        project: String, server: ServerManifest, repo: ResolvedRepo, port: Int?, spec: ProjectSpec, specHash: String,
        slotPorts: [Int]? = [], secretVersions: String = "", playbook: PlaybookSource, reason: String,
        serverInputs: String? = nil
    ) {
        self.serverInputs = serverInputs ?? server.specHash
        self.slotPorts = slotPorts
        self.secretVersions = secretVersions
        self.specHash = specHash
        self.project = project
        self.server = server
        self.repo = repo
        self.port = port
        self.spec = spec
        self.playbook = playbook
        self.reason = reason
    }

    /// How many ports the strategy needs: the public one, plus two slots for blue/green.
    public var portCount: Int { spec.deploy.strategy == .blueGreen ? 3 : 1 }

    /// The deploy inputs once the ports are known.
    public func inputs(port: Int, slotPorts: [Int] = []) -> DeployInputs {
        DeployInputs(
            playbook: playbook, cloneURL: repo.cloneURL, commit: repo.commit, server: server.name,
            serverSpecHash: serverInputs, port: port, projectSpecHash: specHash, secretVersions: secretVersions,
            slotPorts: slotPorts)
    }

    /// This deploy as the adoption of the one `marker` reports (its ports), when the marker is exactly this deploy:
    /// same commit, same inputs at the marker's ports, the slots its strategy has. Nil otherwise.
    public func adopting(_ marker: DeployMarker) -> DeployPlan? {
        guard marker.commit == repo.commit else { return nil }
        let slots = (marker.slotPorts.map { Array($0.values) } ?? []).sorted()
        guard slots.count == (spec.deploy.strategy == .blueGreen ? 2 : 0),
            marker.inputHash == inputs(port: marker.port, slotPorts: slots).hash
        else { return nil }
        var adopted = self
        adopted.port = marker.port
        adopted.slotPorts = slots
        adopted.reason = "first deploy (the marker on \(server.name) did not match its ports)"
        return adopted
    }
}

/// One step that closes a gap between desired and observed state. Produced by `Planner`, executed by
/// `Reconciler`, printed by `steward plan`.
public enum Action: Sendable, Hashable {
    case registerServer(ServerManifest)
    case updateServer(ServerManifest)
    /// A server whose status follows from its spec alone (a `connection: local` server is ready).
    case setServerStatus(name: String, status: ServerStatus, reason: String)
    case orphanServer(name: String)
    case pruneServer(name: String)

    case registerProject(ProjectManifest)
    case updateProject(ProjectManifest)
    /// The repo exists: the project leaves draft/provisioning for initialized.
    case adoptRepo(project: String, repo: ResolvedRepo)
    /// The repo does not exist yet: provisioning (the Architect creates it).
    case awaitRepo(project: String, repo: String)
    case setupRequired(project: String, missingSecrets: [String])
    case waitForResources(project: String, reason: String)
    /// `spec.dependsOn`: these projects are not Ready at their current generation yet (Ready=False DependencyNotReady).
    case waitForDependencies(project: String, waitingFor: [String])
    /// The project cannot progress until its manifest or Steward changes.
    case stall(project: String, reason: String, message: String)
    case deploy(DeployPlan)
    /// The project needs the engineering agents (a brief to build, or a stage short of active): run or resume
    /// its graph thread. `server`: where the planner placed it, nil when nothing fits or it does not deploy.
    /// `changes`: for maintenance of an active project, the ids of the change requests to implement (else empty).
    case engineer(ProjectManifest, server: String?, changes: [String] = [])
    /// The server already runs exactly this deploy (its marker has the same input hash): record it instead of
    /// running the playbook (a fresh state dir, as in CI). Falls back to the deploy if its ports are taken.
    case adoptDeploy(DeployPlan, DeployMarker)
    /// The last successful deploy already matches the inputs; only the phase is behind.
    case markActive(project: String, inputHash: String)
    case orphanProject(name: String)
    case pruneProject(name: String)

    /// Whether it runs a deploy playbook (deploys of different projects run concurrently).
    public var isDeploy: Bool {
        if case .deploy = self { return true }
        return false
    }

    /// Whether it runs a project's agent-graph thread (threads of different projects run concurrently).
    public var isEngineer: Bool {
        if case .engineer = self { return true }
        return false
    }

    /// `Project/NAME` or `Server/NAME`: the work-queue key the action belongs to.
    public var key: String {
        switch self {
        case .registerServer(let server), .updateServer(let server): "Server/\(server.name)"
        case .setServerStatus(let name, _, _), .orphanServer(let name), .pruneServer(let name): "Server/\(name)"
        case .registerProject(let project), .updateProject(let project): "Project/\(project.name)"
        case .adoptRepo(let name, _), .awaitRepo(let name, _), .setupRequired(let name, _),
            .waitForResources(let name, _), .waitForDependencies(let name, _), .stall(let name, _, _), .markActive(let name, _),
            .orphanProject(let name), .pruneProject(let name):
            "Project/\(name)"
        case .deploy(let plan), .adoptDeploy(let plan, _): "Project/\(plan.project)"
        case .engineer(let project, _, _): "Project/\(project.name)"
        }
    }

    /// `project=NAME` or `server=NAME`, and `action=`: the structured fields of the action's log line.
    public var logMetadata: Logger.Metadata {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        return [parts[0].lowercased(): "\(parts[1])", "action": "\(name)"]
    }

    /// Short machine name for logs (`action=deploy`).
    public var name: String {
        switch self {
        case .registerServer: "register"
        case .updateServer: "update"
        case .setServerStatus: "set_status"
        case .orphanServer, .orphanProject: "orphan"
        case .pruneServer, .pruneProject: "prune"
        case .registerProject: "register"
        case .updateProject: "update"
        case .adoptRepo: "adopt_repo"
        case .awaitRepo: "await_repo"
        case .setupRequired: "setup_required"
        case .waitForResources: "wait_for_resources"
        case .waitForDependencies: "wait_for_dependencies"
        case .stall: "stall"
        case .deploy: "deploy"
        case .adoptDeploy: "adopt_deploy"
        case .markActive: "mark_active"
        case .engineer: "engineer"
        }
    }

    /// One human line for `steward plan`.
    public var summary: String {
        switch self {
        case .registerServer(let server): "register server \(server.spec.address) (\(server.spec.connection.rawValue))"
        case .updateServer: "update server spec"
        case .setServerStatus(_, let status, let reason): "set status \(status.rawValue): \(reason)"
        case .orphanServer: "manifest removed: keep the server record (prune is off)"
        case .pruneServer: "manifest removed: delete the server record (prune is on)"
        case .registerProject(let project): "register project for repo \(project.spec.repo)"
        case .updateProject: "update project spec (new generation)"
        case .adoptRepo(_, let repo): "repo found at \(repo.commit.prefix(12)): initialized"
        case .awaitRepo(_, let repo): "repo \(repo) does not exist yet: provisioning"
        case .setupRequired(_, let names): "missing secrets \(names.joined(separator: ", ")): setup_required"
        case .waitForResources(_, let reason): "waiting for resources: \(reason)"
        case .waitForDependencies(_, let names): Self.dependencyMessage(names)
        case .stall(_, _, let message): "stalled: \(message)"
        case .deploy(let plan):
            "deploy \(plan.spec.repo)@\(plan.repo.commit.prefix(12)) to \(plan.server.name)"
                + (plan.port.map { ":\($0)" } ?? " (port to allocate)")
                + (plan.spec.deploy.strategy == .blueGreen ? " blue/green" : "") + " with \(plan.playbook.playbook) (\(plan.reason))"
        case .adoptDeploy(let plan, let marker):
            "\(plan.server.name) already runs \(marker.commit.prefix(12)) on port \(marker.port) with these inputs "
                + "(deployed \(marker.time.isEmpty ? "earlier" : marker.time)): adopt it, no playbook"
        case .markActive: "last deploy matches: active"
        case .engineer(let project, let server, let changes):
            (changes.isEmpty ? "" : "maintenance: change requests \(changes.joined(separator: ", ")); ")
                + "run the engineering graph to \(project.spec.stage == .active ? "verified" : project.spec.stage.rawValue)"
                + (server.map { " (placed on \($0))" } ?? "")
        case .orphanProject: "manifest removed: keep the project (prune is off)"
        case .pruneProject: "manifest removed: delete the project and free its ports (prune is on)"
        }
    }

    /// The Ready message of a project waiting for its `spec.dependsOn`.
    public static func dependencyMessage(_ names: [String]) -> String {
        "waiting for \(names.joined(separator: ", ")) (spec.dependsOn) to be Ready at \(names.count == 1 ? "its" : "their") current generation"
    }
}
