import Foundation
import StewardCore

/// The notification outbox (docs/ARCHITECTURE.md §10): triggers write it; the sender fans it out and records each
/// receiver's attempts.
extension SQLStateStore: OutboxStore {
    private static let messageColumns = "o.id, o.event, o.object_kind, o.object_name, o.project, o.message, o.created_at"

    private static func message(from row: any SQLRow) throws -> OutboxMessage {
        OutboxMessage(
            id: try row.int64(at: 0), event: try row.string(at: 1), objectKind: try row.string(at: 2),
            objectName: try row.string(at: 3), project: try row.optionalString(at: 4), message: try row.string(at: 5),
            createdAt: try row.date(at: 6))
    }

    public func fanOutOutbox(now: Date, route: @Sendable (OutboxMessage) -> [String]) async throws -> Int {
        try await withDatabase { database in
            try database.transaction {
                let messages = try database.query(
                    "SELECT \(Self.messageColumns) FROM outbox o WHERE o.fanned_out = 0 ORDER BY o.id LIMIT 1000", [],
                    row: Self.message(from:))
                for message in messages {
                    for notification in route(message) {
                        try database.run(
                            """
                            INSERT INTO notification_deliveries (outbox_id, notification, status, next_attempt_at)
                            VALUES (?, ?, 'pending', ?) ON CONFLICT DO NOTHING
                            """,
                            [.integer(message.id), .text(notification), SQLiteValue(now)])
                    }
                    try database.run("UPDATE outbox SET fanned_out = 1 WHERE id = ?", [.integer(message.id)])
                }
                return messages.count
            }
        }
    }

    public func dueDeliveries(now: Date, limit: Int) async throws -> [PendingDelivery] {
        try await withDatabase { database in
            try database.query(
                """
                SELECT \(Self.messageColumns), d.notification, d.attempts FROM notification_deliveries d
                JOIN outbox o ON o.id = d.outbox_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.outbox_id LIMIT ?
                """,
                [SQLiteValue(now), .integer(Int64(limit))]
            ) { row in
                PendingDelivery(message: try Self.message(from: row), notification: try row.string(at: 7), attempts: try row.int(at: 8))
            }
        }
    }

    public func markDelivered(_ keys: [(outboxID: Int64, notification: String)], at time: Date) async throws {
        try await withDatabase { database in
            try database.transaction {
                for key in keys {
                    try database.run(
                        """
                        UPDATE notification_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, last_error = NULL
                        WHERE outbox_id = ? AND notification = ? AND status = 'pending'
                        """,
                        [SQLiteValue(time), .integer(key.outboxID), .text(key.notification)])
                }
            }
        }
    }

    public func markAttemptFailed(outboxID: Int64, notification: String, error: String, retryAt: Date?) async throws {
        try await withDatabase { database in
            try database.run(
                """
                UPDATE notification_deliveries SET attempts = attempts + 1, last_error = ?, status = ?,
                    next_attempt_at = coalesce(?, next_attempt_at)
                WHERE outbox_id = ? AND notification = ? AND status = 'pending'
                """,
                [.text(error), .text(retryAt == nil ? "failed" : "pending"), SQLiteValue(retryAt), .integer(outboxID),
                 .text(notification)])
        }
    }
}
