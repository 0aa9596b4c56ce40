/// What a person asked the Product Owner for (docs/ARCHITECTURE.md §5).
public struct Intent: Sendable, Hashable, Codable {
    /// The four things the PO can do.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Start a project from a brief.
        case new
        /// Report on one project, or on all of them.
        case status
        /// Add a change request to an existing project.
        case update
        /// Report what is broken and how to repair it.
        case fix
    }

    /// Which of the four things is asked for.
    public var kind: Kind
    /// The project (or server, for `fix`) the message is about; for `new`, a proposed name (may be nil).
    public var project: String?
    /// `new`: what to build.
    public var brief: String?
    /// `update`: the change request.
    public var change: String?

    public init(kind: Kind, project: String? = nil, brief: String? = nil, change: String? = nil) {
        self.kind = kind
        self.project = project
        self.brief = brief
        self.change = change
    }

    /// A new project built from `brief`.
    public static func new(brief: String, name: String? = nil) -> Intent { Intent(kind: .new, project: name, brief: brief) }
    /// The status of `project`, or of every project when nil.
    public static func status(_ project: String?) -> Intent { Intent(kind: .status, project: project) }
    /// A change request for `project`.
    public static func update(_ project: String, change: String) -> Intent { Intent(kind: .update, project: project, change: change) }
    /// Repair `target` (a project or server), or whatever is broken when nil.
    public static func fix(_ target: String?) -> Intent { Intent(kind: .fix, project: target) }
}
