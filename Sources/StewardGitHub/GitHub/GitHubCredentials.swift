import Foundation

/// How Steward authenticates to GitHub. The secret is read when a request needs it and goes only into the
/// Authorization header: never into URLs, logs, errors or files Steward writes.
public protocol GitHubCredentials: Sendable {
    /// The value of the `Authorization` header.
    func authorization() async throws -> String

    /// GitHub answered 401 to a request sent with `authorization`: forget it if it is cached.
    /// - Returns: whether `authorization()` may now give a value that works (a new installation token), so the
    ///   request is worth one more try. The default, for credentials that cannot renew themselves, is false.
    func authorizationRejected(_ authorization: String) async -> Bool
}

extension GitHubCredentials {
    public func authorizationRejected(_ authorization: String) async -> Bool { false }
}

/// A personal access token or installation token from an environment variable, or from a file.
public struct GitHubTokenCredentials: GitHubCredentials {
    /// Where the token comes from.
    public enum Source: Sendable {
        case environment(String)
        case file(String)
    }

    public let source: Source
    private let environment: @Sendable (String) -> String?

    public init(source: Source, environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }) {
        self.source = source
        self.environment = environment
    }

    public func authorization() async throws -> String {
        let token: String?
        switch source {
        case .environment(let name):
            token = environment(name)
            guard let token, !token.isEmpty else {
                throw GitHubError(request: "GitHub authentication", problem: "the environment variable \(name) is not set; "
                    + "put a token with read access to the organization's repositories there (forge.auth.tokenEnv)")
            }
        case .file(let path):
            token = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let token, !token.isEmpty else {
                throw GitHubError(request: "GitHub authentication", problem: "the token file \(path) cannot be read or is empty")
            }
        }
        return "Bearer \(token!)"
    }
}
