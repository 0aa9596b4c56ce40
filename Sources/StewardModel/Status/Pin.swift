import Foundation

/// `steward rollback --no-commit` (an emergency): the project deploys `commit` instead of what its `spec.ref` resolves
/// to, until its manifest changes. Kept in the state, not in git; shown as `Pinned=True`.
public struct Pin: Sendable, Hashable, Codable {
    public var project: String
    public var commit: String
    /// The project's spec hash when it was pinned: any change to its manifest ends the pin.
    public var specHash: String
    /// What the rollback said (the commit it left, who asked).
    public var reason: String
    public var since: Date

    public init(project: String, commit: String, specHash: String, reason: String, since: Date) {
        self.project = project
        self.commit = commit
        self.specHash = specHash
        self.reason = reason
        self.since = since
    }

    /// Whether the pin still holds for a manifest with `specHash` (it ends when the manifest changes).
    public func holds(forSpecHash specHash: String?) -> Bool { self.specHash == specHash }
}

extension Condition {
    /// True while a project deploys a commit `steward rollback --no-commit` pinned, not what git says.
    public static let pinned = "Pinned"
}

extension Array where Element == Condition {
    /// Sets `Pinned=True` while `pin` holds for the record's spec hash, and removes it otherwise. Only the stores call
    /// this, as they save a record or a pin.
    public mutating func applyPin(_ pin: Pin?, specHash: String?) {
        guard let pin, pin.holds(forSpecHash: specHash) else {
            remove(Condition.pinned)
            return
        }
        set(Condition.pinned, .true, reason: "RolledBack",
            message: "deploys \(pin.commit.prefix(12)), not what spec.ref says, since steward rollback --no-commit (\(pin.reason)); "
                + "git is not followed until the manifest changes or `steward rollback \(pin.project) --unpin`",
            at: pin.since)
    }
}
