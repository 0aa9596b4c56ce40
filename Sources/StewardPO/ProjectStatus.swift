import StewardCore
import StewardModel

/// What `get_project_status` reports: the stored record's phase and conditions, the last health check and the
/// open incidents of one project.
public struct ProjectStatus: Sendable, Hashable, Codable {
    /// The project's name.
    public var name: String
    /// Its lifecycle phase in the store.
    public var phase: ProjectPhase
    /// `owner/name` on the forge.
    public var repo: String?
    /// Where it runs (or is placed), and on which port.
    public var server: String?
    public var port: Int?
    /// How far the manifest asks Steward to carry the project.
    public var stage: ProjectSpec.Stage?
    /// Change requests in the manifest.
    public var changes: [ProjectSpec.Change]
    /// Why it is in this phase (`Ready`, `Stalled`, …).
    public var conditions: [Condition]
    /// The last health check, when it is checked.
    public var health: HealthCheckRecord?
    /// Incidents still open for the project.
    public var openIncidents: [IncidentRecord]
    /// The project commit deployed last.
    public var lastDeployCommit: String?

    /// The status of `record` with its health and open incidents.
    public init(record: ProjectRecord, health: HealthCheckRecord?, openIncidents: [IncidentRecord]) {
        name = record.name
        phase = record.phase
        repo = record.repo
        server = record.server
        port = record.port
        stage = record.spec?.stage
        changes = record.spec?.changes ?? []
        conditions = record.conditions
        self.health = health
        self.openIncidents = openIncidents
        lastDeployCommit = record.lastDeployCommit
    }

    /// One line for a list of projects.
    public var summary: String {
        var parts = ["\(name): \(phase.rawValue)"]
        if let repo { parts.append("repo \(repo)") }
        if let server { parts.append("on \(server)" + (port.map { ":\($0)" } ?? "")) }
        if let health { parts.append("health \(health.lastStatus.rawValue)") }
        if !openIncidents.isEmpty { parts.append("\(openIncidents.count) open incident(s)") }
        return parts.joined(separator: ", ")
    }

    /// Several lines: the summary, why it is in this phase (its conditions), health and incidents.
    public var details: String {
        var lines = [summary]
        if let stage { lines.append("  stage: \(stage.rawValue)" + (changes.isEmpty ? "" : ", \(changes.count) change request(s): "
            + changes.map(\.id).joined(separator: ", "))) }
        for condition in conditions {
            lines.append("  \(condition.type)=\(condition.status.rawValue) \(condition.reason): \(condition.message)")
        }
        if let health {
            lines.append("  health: \(health.lastStatus.rawValue)" + (health.lastCode.map { " (HTTP \($0))" } ?? "")
                + ", \(health.consecutiveFailures) failed check(s) in a row" + (health.lastError.map { ", last error: \($0)" } ?? ""))
        } else {
            lines.append("  health: not checked" + (phase == .active ? " yet" : " (only active projects are)"))
        }
        if let commit = lastDeployCommit { lines.append("  deployed commit: \(commit)") }
        lines.append(openIncidents.isEmpty ? "  incidents: none open"
            : "  incidents: " + openIncidents.map { "#\($0.id ?? 0) \($0.kind.rawValue) (\($0.status.rawValue)): \($0.message)" }
                .joined(separator: "; "))
        return lines.joined(separator: "\n")
    }
}
