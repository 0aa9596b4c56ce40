import Foundation

/// One event in the journal: a phase transition, a registration, a deploy result (as `kubectl get events`).
public struct EventRecord: Sendable, Hashable, Codable {
    /// Normal or Warning, as Kubernetes events.
    public enum EventType: String, Sendable, Hashable, Codable {
        case normal = "Normal"
        case warning = "Warning"
    }

    /// Store-assigned id; nil before it is saved.
    public var id: Int64?
    public var time: Date
    /// `Project` or `Server`.
    public var objectKind: String
    public var objectName: String
    public var type: EventType
    /// CamelCase machine reason: `Registered`, `PhaseChanged`, `DeploySucceeded`, …
    public var reason: String
    public var message: String

    public init(
        id: Int64? = nil, time: Date, objectKind: String, objectName: String, type: EventType = .normal,
        reason: String, message: String
    ) {
        self.id = id
        self.time = time
        self.objectKind = objectKind
        self.objectName = objectName
        self.type = type
        self.reason = reason
        self.message = message
    }
}
