import StewardCore
import StewardGraph
import StewardModel

/// The state of a Recovery thread (`recovery/INCIDENT_ID`): the incident and what was done about it.
public struct RecoveryState: GraphState {
    // Inputs.
    public var incident: IncidentRecord
    public var decision: RecoveryDecision

    // Channels.
    /// One line per step, in order.
    public var steps: [String] = []
    /// Why recovery failed; nil while nothing failed.
    public var failure: String?
    /// The incident's status when the thread ended (resolved or failed).
    public var outcome: IncidentRecord.Status?

    public static let schema = StateSchema<RecoveryState>(
        .appending("steps", \.steps),
        .lastValue("failure", \.failure),
        .lastValue("outcome", \.outcome)
    )

    /// The thread's input for an incident.
    public init(incident: IncidentRecord) {
        self.incident = incident
        decision = RecoveryDecision.decide(incident.kind)
    }
}
