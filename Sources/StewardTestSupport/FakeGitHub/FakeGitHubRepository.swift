import Foundation

/// A repository as the fake GitHub keeps it; the served JSON is derived from these fields.
public struct FakeGitHubRepository: Sendable, Equatable {
    /// Stable across renames, as GitHub's numeric id.
    public var id: Int64
    /// The owner's login.
    public var owner: String
    public var name: String
    public var isPrivate: Bool
    public var isArchived: Bool
    public var isFork: Bool
    public var isTemplate: Bool
    public var isDisabled: Bool
    public var defaultBranch: String
    public var description: String?
    public var homepage: String?
    public var language: String?
    public var topics: [String]
    /// In kilobytes, as GitHub reports it.
    public var size: Int64
    public var createdAt: Date
    public var updatedAt: Date
    public var pushedAt: Date

    /// `owner/name`.
    public var fullName: String { "\(owner)/\(name)" }

    public init(
        id: Int64, owner: String, name: String, isPrivate: Bool = false, isArchived: Bool = false,
        isFork: Bool = false, isTemplate: Bool = false, isDisabled: Bool = false, defaultBranch: String = "main",
        description: String? = nil, homepage: String? = nil, language: String? = nil, topics: [String] = [],
        size: Int64 = 0, createdAt: Date, updatedAt: Date? = nil, pushedAt: Date? = nil
    ) {
        self.id = id
        self.owner = owner
        self.name = name
        self.isPrivate = isPrivate
        self.isArchived = isArchived
        self.isFork = isFork
        self.isTemplate = isTemplate
        self.isDisabled = isDisabled
        self.defaultBranch = defaultBranch
        self.description = description
        self.homepage = homepage
        self.language = language
        self.topics = topics
        self.size = size
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.pushedAt = pushedAt ?? createdAt
    }
}
