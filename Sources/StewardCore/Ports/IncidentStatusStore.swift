import Foundation
import StewardModel

/// Moves one incident by id, whatever its status (the Recovery agent: detected -> recovering -> resolved | failed).
public protocol IncidentStatusStore: Sendable {
    /// Sets the incident's status and message (resolved or failed set `resolvedAt`, an open status clears it)
    /// and appends the events, in one transaction. - Returns: the updated incident, nil when there is no such id.
    func setIncident(id: Int64, status: IncidentRecord.Status, message: String, at time: Date, events: [EventRecord]) async throws
        -> IncidentRecord?
}
