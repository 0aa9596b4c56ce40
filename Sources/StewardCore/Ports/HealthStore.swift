import Foundation
import StewardModel

/// The persisted health of one project: the health_checker's counter survives restarts, so N consecutive
/// failures mean N checks, however many processes ran them.
public struct HealthCheckRecord: Sendable, Hashable, Codable {
    /// The result of the last check.
    public enum Status: String, Sendable, Hashable, Codable {
        case healthy
        case unhealthy
    }

    public var project: String
    /// The URL last checked (`http://ADDRESS:PORT/healthPath`).
    public var url: String
    /// Failed checks in a row; reset by a success.
    public var consecutiveFailures: Int
    public var lastStatus: Status
    /// The last HTTP status, nil when the last check got no answer.
    public var lastCode: Int?
    /// Why the last check failed (short, no secrets); nil after a success.
    public var lastError: String?
    public var lastCheckedAt: Date
    public var lastHealthyAt: Date?
    /// When the service was declared down (its `service_down` incident opened); nil while it is not down.
    public var downSince: Date?

    public init(
        project: String, url: String, consecutiveFailures: Int = 0, lastStatus: Status, lastCode: Int? = nil,
        lastError: String? = nil, lastCheckedAt: Date, lastHealthyAt: Date? = nil, downSince: Date? = nil
    ) {
        self.project = project
        self.url = url
        self.consecutiveFailures = consecutiveFailures
        self.lastStatus = lastStatus
        self.lastCode = lastCode
        self.lastError = lastError
        self.lastCheckedAt = lastCheckedAt
        self.lastHealthyAt = lastHealthyAt
        self.downSince = downSince
    }
}

/// What the health_checker needs from the store besides projects, servers and incidents.
public protocol HealthStore: Sendable {
    /// Every project's health row, by project name.
    func healthChecks() async throws -> [HealthCheckRecord]
    func healthCheck(project: String) async throws -> HealthCheckRecord?
    /// Inserts or replaces the row and appends the events, in one transaction.
    func save(healthCheck: HealthCheckRecord, events: [EventRecord]) async throws
    /// Forgets a project's health (it was deleted or is no longer active).
    func deleteHealthCheck(project: String) async throws
    /// When the health checker last started a round, for `intervals.healthCheck`.
    func healthCheckerLastRun() async throws -> Date?
    func setHealthCheckerLastRun(_ time: Date) async throws
}
