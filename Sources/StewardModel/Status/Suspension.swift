import Foundation

/// `steward suspend project|server NAME`: kept in the state, not in git, as Flux keeps `suspend`. A suspended object
/// is still observed (health, reachability) but never deployed, engineered, provisioned or healed.
public struct Suspension: Sendable, Hashable, Codable {
    /// `Project` or `Server`.
    public var objectKind: String
    public var objectName: String
    /// Why, as given to `--reason` (or a default naming the command).
    public var reason: String
    public var since: Date

    public init(objectKind: String, objectName: String, reason: String, since: Date) {
        self.objectKind = objectKind
        self.objectName = objectName
        self.reason = reason
        self.since = since
    }
}

extension Condition {
    /// True while the object is suspended, by `steward suspend` or by `spec.suspend: true` in its manifest.
    public static let suspended = "Suspended"
}

extension Array where Element == Condition {
    /// Sets `Suspended=True` (reason `Command`, `Manifest` or `CommandAndManifest`) while `suspension` exists or the
    /// manifest says `spec.suspend: true`, and removes it otherwise. Only the stores call this, as they save a record:
    /// the condition always says what the suspension table and the stored spec say, whoever saved the record.
    public mutating func applySuspension(_ suspension: Suspension?, inManifest: Bool, at now: Date) {
        guard suspension != nil || inManifest else {
            remove(Condition.suspended)
            return
        }
        let reason = suspension == nil ? "Manifest" : inManifest ? "CommandAndManifest" : "Command"
        var parts: [String] = []
        if let suspension { parts.append("steward suspend: \(suspension.reason)") }
        if inManifest { parts.append("spec.suspend: true in the manifest") }
        let message = parts.joined(separator: "; ") + "; observed, never deployed, provisioned or healed"
        let wasSuspended = self[Condition.suspended]?.status == .true
        set(Condition.suspended, .true, reason: reason, message: message, at: wasSuspended ? now : suspension?.since ?? now)
    }
}
