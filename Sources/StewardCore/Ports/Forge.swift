import Foundation
import StewardModel

/// A repository as the forge reports it (GitHub's repository object, the fields Steward uses).
public struct ForgeRepository: Sendable, Hashable, Codable {
    /// The forge's immutable id (GitHub `id`; the local forge assigns stable ids too).
    public var id: Int64
    public var owner: String
    public var name: String
    public var defaultBranch: String
    public var archived: Bool
    public var isPrivate: Bool
    public var cloneURL: String
    public var htmlURL: String?
    public var description: String?

    public init(
        id: Int64, owner: String, name: String, defaultBranch: String = "main", archived: Bool = false,
        isPrivate: Bool = true, cloneURL: String, htmlURL: String? = nil, description: String? = nil
    ) {
        self.id = id
        self.owner = owner
        self.name = name
        self.defaultBranch = defaultBranch
        self.archived = archived
        self.isPrivate = isPrivate
        self.cloneURL = cloneURL
        self.htmlURL = htmlURL
        self.description = description
    }

    /// `owner/name`.
    public var fullName: String { "\(owner)/\(name)" }
}

/// One page of a repository listing as last fetched: kept with its ETag so an unchanged page costs a 304.
public struct ForgePage: Sendable, Hashable, Codable {
    /// 1-based page number.
    public var number: Int
    public var etag: String?
    public var hasNext: Bool
    public var repositories: [ForgeRepository]
    /// True when the forge answered 304 and the repositories are the cached ones.
    public var notModified: Bool
    /// Whether the owner turned out to be an organization or a user (GitHub lists them at different paths);
    /// nil where the forge does not distinguish. Kept with the cached pages, so the next listing asks the
    /// right path first.
    public var ownerKind: ForgeOwnerKind?

    public init(
        number: Int, etag: String?, hasNext: Bool, repositories: [ForgeRepository], notModified: Bool = false,
        ownerKind: ForgeOwnerKind? = nil
    ) {
        self.number = number
        self.etag = etag
        self.hasNext = hasNext
        self.repositories = repositories
        self.notModified = notModified
        self.ownerKind = ownerKind
    }
}

/// The kind of account that owns a forge's repositories.
public enum ForgeOwnerKind: String, Sendable, Hashable, Codable {
    case organization
    case user
}

/// The answer to "does repository N still exist?".
public enum ForgeLookup: Sendable, Hashable {
    case found(ForgeRepository)
    /// The forge answered 404: confirmed gone (or no longer visible to Steward's credentials).
    case notFound
}

/// Where project repositories live: GitHub (REST over libcurl) or a local directory of bare repos.
///
/// Transient failures (network, 5xx, rate limits after retries) are thrown; a definite "does not exist" is
/// `.notFound`, never an error.
public protocol Forge: Sendable {
    /// Every repository of `owner` (an organization or user), page by page. `cached` holds the pages of the
    /// previous listing: each is re-validated with its ETag, and a 304 returns it unchanged (`notModified`).
    func listRepositories(owner: String, cached: [ForgePage]) async throws -> [ForgePage]

    /// The repository with this id, or `.notFound`.
    func repository(id: Int64) async throws -> ForgeLookup

    /// Creates `owner/name`, or returns it when it already exists (never creates twice).
    func createRepository(owner: String, name: String, isPrivate: Bool, description: String?) async throws -> ForgeRepository

    /// Asks a person to merge `branch` into `base` of `repository`: a pull request on GitHub, opened once (an
    /// open one for the same branch is returned). A forge without pull requests (the local one) answers with
    /// the branch alone: the person merges it with git.
    func proposeChange(
        _ repository: ForgeRepository, branch: String, base: String, title: String, body: String
    ) async throws -> ChangeProposal
}

extension Forge {
    public func proposeChange(
        _ repository: ForgeRepository, branch: String, base: String, title: String, body: String
    ) async throws -> ChangeProposal {
        ChangeProposal(branch: branch, base: base)
    }
}

/// The persisted state of the forge sync for one owner: failures survive restarts.
public struct ForgeSyncState: Sendable, Hashable, Codable {
    public var owner: String
    /// Consecutive failed listings; an alert is raised when it reaches the threshold, reset on success.
    public var consecutiveFailures: Int
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    public var lastError: String?

    public init(
        owner: String, consecutiveFailures: Int = 0, lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil,
        lastError: String? = nil
    ) {
        self.owner = owner
        self.consecutiveFailures = consecutiveFailures
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
    }
}
