import Foundation

/// One line of the controller's journal (`steward logs`): every log line a command that acts writes — decisions,
/// Ansible task events, phase changes, incidents, agent steps — with its level and fields.
public struct JournalEntry: Sendable, Hashable, Codable {
    /// Log levels, least severe first (swift-log's names).
    public enum Level: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case trace, debug, info, notice, warning, error, critical

        public static func < (lhs: Level, rhs: Level) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }

        /// This level and every more severe one.
        public var andAbove: [Level] { Level.allCases.filter { $0 >= self } }
    }

    /// Increasing, assigned by the store; nil before it is saved.
    public var id: Int64?
    public var time: Date
    public var level: Level
    public var message: String
    /// The `project`, `server` and `action` fields of the line, kept apart for filtering.
    public var project: String?
    public var server: String?
    public var action: String?
    /// Every other field.
    public var fields: [String: String]

    public init(
        id: Int64? = nil, time: Date, level: Level, message: String, project: String? = nil, server: String? = nil,
        action: String? = nil, fields: [String: String] = [:]
    ) {
        self.id = id
        self.time = time
        self.level = level
        self.message = message
        self.project = project
        self.server = server
        self.action = action
        self.fields = fields
    }
}

/// Which journal lines to read.
public struct JournalQuery: Sendable, Hashable {
    public var project: String?
    public var server: String?
    /// Lines at this level or above; nil for all.
    public var minimumLevel: JournalEntry.Level?
    /// Lines at this time or later.
    public var since: Date?

    public init(project: String? = nil, server: String? = nil, minimumLevel: JournalEntry.Level? = nil, since: Date? = nil) {
        self.project = project
        self.server = server
        self.minimumLevel = minimumLevel
        self.since = since
    }
}
