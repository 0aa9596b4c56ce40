import Foundation

/// Something wrong that a person should know about: a missing repo, an unreachable server (docs/ARCHITECTURE.md §7).
public struct IncidentRecord: Sendable, Hashable, Codable {
    /// The kinds of incident Steward raises.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case repoMissing = "repo_missing"
        case serverUnreachable = "server_unreachable"
        case provisioningFailed = "provisioning_failed"
        case serviceDown = "service_down"
        /// A deploy failed (its health gate, a task): for blue/green the old version kept serving.
        case deployFailed = "deploy_failed"
        /// A server presented an SSH host key other than the trusted one (critical; never accepted silently).
        case hostKeyChanged = "host_key_changed"
    }

    /// How urgent it is.
    public enum Severity: String, Sendable, Hashable, Codable {
        case critical
        case warning
    }

    /// Where an incident stands: detected -> recovering -> resolved | failed.
    public enum Status: String, Sendable, Hashable, Codable {
        case detected
        case recovering
        case resolved
        case failed

        /// Still needs attention.
        public var isOpen: Bool { self == .detected || self == .recovering }
    }

    public var id: Int64?
    public var kind: Kind
    public var severity: Severity
    public var status: Status
    /// `Project` or `Server`.
    public var objectKind: String
    public var objectName: String
    public var message: String
    public var openedAt: Date
    public var updatedAt: Date
    public var resolvedAt: Date?

    public init(
        id: Int64? = nil, kind: Kind, severity: Severity, status: Status = .detected, objectKind: String,
        objectName: String, message: String, openedAt: Date, updatedAt: Date? = nil, resolvedAt: Date? = nil
    ) {
        self.id = id
        self.kind = kind
        self.severity = severity
        self.status = status
        self.objectKind = objectKind
        self.objectName = objectName
        self.message = message
        self.openedAt = openedAt
        self.updatedAt = updatedAt ?? openedAt
        self.resolvedAt = resolvedAt
    }
}
