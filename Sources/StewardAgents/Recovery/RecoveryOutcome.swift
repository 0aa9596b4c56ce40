import StewardModel

/// What recovery did about one incident.
public struct RecoveryOutcome: Sendable, Hashable {
    public var incident: IncidentRecord
    /// resolved or failed; nil when the thread could not finish (it is resumed by the next `steward fix`).
    public var status: IncidentRecord.Status?
    public var steps: [String]
    public var failure: String?
}
