import Foundation
import StewardModel

/// Which incidents a person has been shown: the Product Owner reports each one once, at the start of the
/// next interaction after it was opened (docs/ARCHITECTURE.md §5).
public protocol IncidentAcknowledgementStore: Sendable {
    /// Incidents (open or already closed) that nobody has been shown yet, oldest first.
    func unacknowledgedIncidents() async throws -> [IncidentRecord]
    /// Marks the incidents as shown at `time`; ids already marked keep their first mark.
    func acknowledgeIncidents(ids: [Int64], at time: Date) async throws
}
