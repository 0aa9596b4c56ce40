import Foundation

/// A status condition as Flux and Kubernetes use them: `Ready`, `Reconciling`, `Stalled`.
public struct Condition: Sendable, Hashable, Codable {
    /// Tri-state condition status.
    public enum Status: String, Sendable, Hashable, Codable {
        case `true` = "True"
        case `false` = "False"
        case unknown = "Unknown"
    }

    public static let ready = "Ready"
    public static let reconciling = "Reconciling"
    public static let stalled = "Stalled"
    /// Set by the health_checker: False once the service failed `thresholds.serviceDownAfter` checks in a row.
    public static let healthy = "Healthy"
    /// Set by the Tester: True when the repo's checks passed, False when they failed, Unknown when the repo has
    /// no checks (nothing proves it works, and nothing proves it does not).
    public static let verified = "Verified"

    public var type: String
    public var status: Status
    public var reason: String
    public var message: String
    public var lastTransitionTime: Date

    public init(type: String, status: Status, reason: String, message: String, lastTransitionTime: Date) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

extension Array where Element == Condition {
    /// Sets a condition, keeping `lastTransitionTime` when its status did not change (as Kubernetes does).
    public mutating func set(_ type: String, _ status: Condition.Status, reason: String, message: String, at now: Date) {
        if let index = firstIndex(where: { $0.type == type }) {
            let old = self[index]
            let time = old.status == status ? old.lastTransitionTime : now
            self[index] = Condition(type: type, status: status, reason: reason, message: message, lastTransitionTime: time)
        } else {
            append(Condition(type: type, status: status, reason: reason, message: message, lastTransitionTime: now))
        }
    }

    /// Removes a condition by type.
    public mutating func remove(_ type: String) {
        removeAll { $0.type == type }
    }

    public subscript(type: String) -> Condition? { first { $0.type == type } }
}
