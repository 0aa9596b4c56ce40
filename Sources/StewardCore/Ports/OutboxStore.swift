import Foundation

/// A notification the store's triggers wrote with what caused it (docs/ARCHITECTURE.md §10).
public struct OutboxMessage: Sendable, Hashable {
    public var id: Int64
    /// `incident`, `incident_resolved`, `question`, `blocked`, `deploy_failed`, `deploy_succeeded`.
    public var event: String
    public var objectKind: String
    public var objectName: String
    /// The project it concerns, if any (the `projects` filter).
    public var project: String?
    public var message: String
    public var createdAt: Date

    public init(
        id: Int64, event: String, objectKind: String, objectName: String, project: String?, message: String, createdAt: Date
    ) {
        self.id = id
        self.event = event
        self.objectKind = objectKind
        self.objectName = objectName
        self.project = project
        self.message = message
        self.createdAt = createdAt
    }
}

/// One message for one receiver, not yet sent.
public struct PendingDelivery: Sendable, Hashable {
    public var message: OutboxMessage
    /// The receiver's `name` in `notifications:`.
    public var notification: String
    public var attempts: Int

    public init(message: OutboxMessage, notification: String, attempts: Int) {
        self.message = message
        self.notification = notification
        self.attempts = attempts
    }

    /// The same for every attempt: receivers drop a delivery they have seen (`X-Steward-Delivery`).
    public var key: String { "\(message.id)-\(notification)" }
}

/// The outbox and its deliveries.
public protocol OutboxStore: Sendable {
    /// Gives each message not yet fanned out a pending delivery per receiver `route` names (none: it is only marked),
    /// in one transaction. - Returns: how many messages were fanned out.
    func fanOutOutbox(now: Date, route: @Sendable (OutboxMessage) -> [String]) async throws -> Int

    /// Pending deliveries due at `now`, oldest first.
    func dueDeliveries(now: Date, limit: Int) async throws -> [PendingDelivery]

    /// Marks deliveries sent.
    func markDelivered(_ keys: [(outboxID: Int64, notification: String)], at time: Date) async throws

    /// Counts a failed attempt: pending again at `retryAt`, or `failed` for good when nil.
    func markAttemptFailed(outboxID: Int64, notification: String, error: String, retryAt: Date?) async throws
}
