import Foundation
import StewardCore
import StewardModel

extension InMemoryStateStore: IncidentStatusStore {
    public func setIncident(
        id: Int64, status: IncidentRecord.Status, message: String, at time: Date, events: [EventRecord]
    ) -> IncidentRecord? {
        guard let index = incidentLog.firstIndex(where: { $0.id == id }) else { return nil }
        incidentLog[index].status = status
        incidentLog[index].message = message
        incidentLog[index].updatedAt = time
        incidentLog[index].resolvedAt = status.isOpen ? nil : time
        append(events: events)
        return incidentLog[index]
    }
}
