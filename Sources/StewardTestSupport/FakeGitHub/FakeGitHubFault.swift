import Foundation

/// A misbehaviour the fake GitHub can be told to show for the next matching requests.
///
/// Faults that replace the answer (`status`, `closeConnection`) are decided before authentication and
/// never count against the rate limit. Faults that damage a real answer (`malformedJSON`,
/// `truncatedBody`, `wrongFieldType`, `missingFields`) run the request normally first (auth, quota,
/// routing; a 304 is never produced for them) and then spoil what is sent. `delay` answers normally, late.
public enum FakeGitHubFault: Sendable, Equatable {
    /// What an error answer carries.
    public enum Body: Sendable, Equatable {
        /// GitHub's JSON error: `{"message":"Server Error",…}`.
        case json
        /// An HTML page, as a proxy or GitHub's front end sends it (no rate-limit headers).
        case html
        case empty
    }

    /// Answer with this status (e.g. 500, 502, 503, or 200 with an HTML page) instead of the real answer.
    case status(Int, body: Body = .json)
    /// Answer normally after this many seconds (interrupted by `stop()`).
    case delay(TimeInterval)
    /// Read the request, then close the connection without a byte (curl: "Empty reply from server").
    case closeConnection
    /// The real status with the first half of the real JSON body (and a `Content-Length` that fits it).
    case malformedJSON
    /// Announce the full `Content-Length`, send half of the body, close the connection.
    case truncatedBody
    /// In every object of the answer (each repository of a list), turn this field's value into the wrong
    /// JSON type: numbers and booleans become strings (`"id": "1000"`), strings become numbers.
    case wrongFieldType(String)
    /// Remove these fields from every object of the answer.
    case missingFields([String])

    /// Whether the fault spoils a real answer rather than replacing it.
    var damagesRealAnswer: Bool {
        switch self {
        case .malformedJSON, .truncatedBody, .wrongFieldType, .missingFields: return true
        case .status, .delay, .closeConnection: return false
        }
    }
}

/// An injected fault waiting for matching requests.
struct FakeGitHubFaultRule: Sendable {
    var fault: FakeGitHubFault
    var remaining: Int
    /// Uppercased; nil matches any method.
    var method: String?
    /// Matches when the request path starts with it; nil matches any path.
    var pathPrefix: String?

    func matches(_ request: FakeHTTPRequest) -> Bool {
        if let method, method != request.method { return false }
        if let pathPrefix, !request.path.hasPrefix(pathPrefix) { return false }
        return remaining > 0
    }
}
