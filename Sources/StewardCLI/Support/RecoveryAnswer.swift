/// What `steward fix` (and the PO's Fix) did: one block per incident.
struct RecoveryAnswer {
    var text: String
    /// Every incident the recovery looked at ended resolved.
    var allResolved: Bool
}
