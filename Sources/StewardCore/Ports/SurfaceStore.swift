import Foundation
import StewardModel

/// How many objects are in each state now: what `/metrics` reports as `steward_projects{phase}`,
/// `steward_servers{status}`, `steward_incidents_open{type,severity}` and `steward_drifted_projects`
/// (docs/ARCHITECTURE.md §10).
public struct ObjectCounts: Sendable, Equatable {
    public struct IncidentKey: Sendable, Hashable {
        public var type: String
        public var severity: String

        public init(type: String, severity: String) {
            self.type = type
            self.severity = severity
        }
    }

    public var projectsByPhase: [String: Int]
    public var serversByStatus: [String: Int]
    public var openIncidents: [IncidentKey: Int]
    /// Projects whose last drift check found their server changed, with no deploy since (`Drifted=True`).
    public var driftedProjects: Int

    public init(
        projectsByPhase: [String: Int] = [:], serversByStatus: [String: Int] = [:], openIncidents: [IncidentKey: Int] = [:],
        driftedProjects: Int = 0
    ) {
        self.driftedProjects = driftedProjects
        self.projectsByPhase = projectsByPhase
        self.serversByStatus = serversByStatus
        self.openIncidents = openIncidents
    }
}

/// What the controller's HTTP surface reads and remembers besides the state (docs/ARCHITECTURE.md §10).
public protocol SurfaceStore: Sendable {
    /// Counts by phase, status and incident kind, one grouped query each.
    func objectCounts() async throws -> ObjectCounts

    /// Remembers a webhook delivery id (GitHub's `X-GitHub-Delivery`), keeping the newest `keep` of them.
    /// - Returns: false when `id` was remembered already: a redelivery, which must enqueue nothing new.
    func rememberDelivery(_ id: String, event: String, at time: Date, keep: Int) async throws -> Bool

    /// One Ansible run with its tasks, or nil (`GET /api/v1/runs/{id}`).
    func run(id: Int64) async throws -> RunRecord?

    /// Every project's name and row version, by name, and the whole records of those whose version is not the one
    /// in `known`, from one snapshot (`GET /api/v1/projects` keeps the others encoded).
    func projectSnapshot(known: [String: Int64]) async throws -> ProjectSnapshot
}

/// What `projectSnapshot(known:)` read.
public struct ProjectSnapshot: Sendable {
    /// Every project, by name, with its row version.
    public var versions: [(name: String, version: Int64)]
    /// The records of the projects whose version changed, or that are new.
    public var changed: [ProjectRecord]

    public init(versions: [(name: String, version: Int64)], changed: [ProjectRecord]) {
        self.versions = versions
        self.changed = changed
    }
}

/// What the read-only API reads (`/api/v1`): the state, health, the journal, and runs by id.
public typealias APIStore = StateStore & ForgeSyncStore & HealthStore & JournalStore & SurfaceStore
