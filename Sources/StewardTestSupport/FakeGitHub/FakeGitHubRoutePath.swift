import Foundation

/// A request's method and path segments, matched against patterns such as `GET orgs/*/repos`.
struct FakeGitHubRoutePath {
    let method: String
    let segments: [String]

    init(_ request: FakeHTTPRequest) {
        method = request.method == "HEAD" ? "GET" : request.method
        segments = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// The segments standing for `*`, or nil if method or shape differ.
    func match(_ method: String, _ pattern: String...) -> [String]? {
        guard method == self.method, pattern.count == segments.count else { return nil }
        var captured: [String] = []
        for (expected, actual) in zip(pattern, segments) {
            if expected == "*" {
                captured.append(actual)
            } else if expected != actual {
                return nil
            }
        }
        return captured
    }

    /// Routes that authenticate as the GitHub App (a JWT), not with a token.
    var isAppRoute: Bool {
        segments.first == "app"
            || (segments.count == 3 && ["orgs", "users"].contains(segments[0]) && segments[2] == "installation")
    }
}
