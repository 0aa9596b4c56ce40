import Foundation

/// An organization or user on the fake GitHub: the owner of repositories.
public struct FakeGitHubAccount: Sendable, Equatable {
    /// GitHub's `type` field of an owner.
    public enum Kind: String, Sendable {
        case organization = "Organization"
        case user = "User"
    }

    public var id: Int64
    public var login: String
    public var kind: Kind
    /// The id of the (fake) GitHub App installation on this account, for `POST /app/installations/{id}/access_tokens`.
    public var installationID: Int64

    public init(id: Int64, login: String, kind: Kind, installationID: Int64) {
        self.id = id
        self.login = login
        self.kind = kind
        self.installationID = installationID
    }
}
