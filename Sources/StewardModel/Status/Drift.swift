import Foundation

/// The last drift check of a project (docs/ARCHITECTURE.md §11): its deploy run in Ansible check mode with the inputs
/// it was deployed with, and what that run would change on the server.
public struct DriftRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// Nothing would change.
        case inSync
        /// At least one task would change something: someone or something changed the server.
        case drifted
        /// The check did not finish (the server unreachable, a task failed): nothing is known either way.
        case failed
    }

    public var project: String
    public var status: Status
    public var checkedAt: Date
    /// The deployed commit and the deploy inputs the check ran with.
    public var commit: String
    public var inputHash: String
    /// The check's run record (kind `drift`).
    public var runID: Int64?
    /// The tasks that would change, with their diffs (secrets redacted; `.env` values never shown).
    public var tasks: [TaskEvent]
    /// What the check found, in one line (a failure's cause for `failed`).
    public var message: String
    /// Since when the project has drifted (the first check that found it, kept while later ones still do).
    public var since: Date?

    public init(
        project: String, status: Status, checkedAt: Date, commit: String, inputHash: String, runID: Int64? = nil,
        tasks: [TaskEvent] = [], message: String, since: Date? = nil
    ) {
        self.project = project
        self.status = status
        self.checkedAt = checkedAt
        self.commit = commit
        self.inputHash = inputHash
        self.runID = runID
        self.tasks = tasks
        self.message = message
        self.since = since
    }

    /// The one-line summary of a check's changed tasks.
    public static func summary(of tasks: [TaskEvent]) -> String {
        let names = tasks.map(\.task)
        let shown = names.prefix(4).joined(separator: ", ")
        return "\(names.count) task\(names.count == 1 ? "" : "s") would change: \(shown)\(names.count > 4 ? ", …" : "")"
    }
}

extension Condition {
    /// True when the last drift check found that a deploy with the same inputs would change the server.
    public static let drifted = "Drifted"
}

extension Array where Element == Condition {
    /// Sets `Drifted` from the project's last drift check: absent before any check; `False` reason `Redeployed` once a
    /// deploy finished after the check (the deploy wrote what it checks); otherwise `True` (`ChangedOnServer`),
    /// `False` (`InSync`) or `Unknown` (`CheckFailed`). Only the stores call this, as they save a record or a check,
    /// so the condition always says what the drift table and the record's last deploy say.
    public mutating func applyDrift(_ drift: DriftRecord?, project: String, lastDeployedAt: Date?) {
        guard let drift else {
            remove(Condition.drifted)
            return
        }
        if let deployed = lastDeployedAt, deployed > drift.checkedAt {
            set(Condition.drifted, .false, reason: "Redeployed",
                message: "deployed after the drift check of \(Self.format(drift.checkedAt)), which restores what a deploy writes",
                at: deployed)
            return
        }
        switch drift.status {
        case .drifted:
            set(Condition.drifted, .true, reason: "ChangedOnServer",
                message: "\(drift.message) (steward drift \(project))", at: drift.since ?? drift.checkedAt)
        case .inSync:
            set(Condition.drifted, .false, reason: "InSync",
                message: "checked at \(Self.format(drift.checkedAt)): nothing would change", at: drift.checkedAt)
        case .failed:
            set(Condition.drifted, .unknown, reason: "CheckFailed", message: drift.message, at: drift.checkedAt)
        }
    }

    private static func format(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
