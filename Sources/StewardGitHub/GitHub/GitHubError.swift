import Foundation

/// GitHub answered, but not as expected: an unexpected status, or a body that is not the documented shape.
/// Always transient for the sync: it changes no state. Never carries the token.
public struct GitHubError: Error, Sendable, CustomStringConvertible {
    /// `GET https://api.github.com/orgs/acme/repos?page=2`.
    public var request: String
    public var status: Int?
    /// What was wrong, naming the field for shape errors.
    public var problem: String

    public init(request: String, status: Int? = nil, problem: String) {
        self.request = request
        self.status = status
        self.problem = problem
    }

    public var description: String {
        "\(request)\(status.map { " answered \($0)" } ?? ""): \(problem)"
    }
}
