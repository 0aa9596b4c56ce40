import Foundation

/// Who a request acts as, after authentication.
enum FakeGitHubViewer: Equatable {
    case anonymous
    /// The configured personal access token: sees everything.
    case token
    /// An installation token the fake issued: sees its account's private repositories too.
    case installation(Int64)
    /// A GitHub App JWT (only on `/app/…` and `…/installation` routes).
    case app
}

/// An endpoint's answer before ETag, conditional-request, rate-limit and fault handling.
struct FakeGitHubAnswer {
    var status: Int
    var json: FakeJSON?
    /// A body that is not JSON (`application/vnd.github.sha`: a commit id), with its content type.
    var raw: (contentType: String, bytes: [UInt8])?
    var headers: [(String, String)] = []
    /// Kept apart from `headers` because a 304 drops it (unless configured otherwise).
    var link: String?
    /// Lists get weak ETags (`W/"…"`), as GitHub sends them.
    var isList = false
    /// Whether it costs a request of the primary rate limit (a 304 to an authenticated request will not).
    var counts = true
    var viewer: FakeGitHubViewer = .anonymous

    init(_ status: Int, _ json: FakeJSON?, counts: Bool = true) {
        self.status = status
        self.json = json
        self.counts = counts
    }

    static func error(_ status: Int, _ message: String, documentation: String = "https://docs.github.com/rest", counts: Bool = true) -> FakeGitHubAnswer {
        FakeGitHubAnswer(status, FakeGitHubShapes.error(message, documentation: documentation, status: status), counts: counts)
    }

    static func notFound(documentation: String = "https://docs.github.com/rest") -> FakeGitHubAnswer {
        .error(404, "Not Found", documentation: documentation)
    }

    /// The same answer, free of quota.
    var notCounted: FakeGitHubAnswer {
        var copy = self
        copy.counts = false
        return copy
    }
}
