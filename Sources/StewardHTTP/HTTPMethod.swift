/// An HTTP request method. Methods are case-sensitive tokens (RFC 9110 §9.1); the common ones are static members.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token exactly as it goes on the request line.
    public let rawValue: String

    /// A method token; it is checked when the request is sent (an invalid token is `HTTPError.Kind.invalidRequest`).
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// GET: read a resource.
    public static let get = HTTPMethod(rawValue: "GET")
    /// HEAD: a GET without the body.
    public static let head = HTTPMethod(rawValue: "HEAD")
    /// POST: create or act; not idempotent.
    public static let post = HTTPMethod(rawValue: "POST")
    /// PUT: replace a resource.
    public static let put = HTTPMethod(rawValue: "PUT")
    /// PATCH: change part of a resource; not idempotent.
    public static let patch = HTTPMethod(rawValue: "PATCH")
    /// DELETE: remove a resource.
    public static let delete = HTTPMethod(rawValue: "DELETE")
    /// OPTIONS: ask what the resource supports.
    public static let options = HTTPMethod(rawValue: "OPTIONS")

    /// Whether repeating the request has the same effect as sending it once (RFC 9110 §9.2.2). Only these are
    /// retried after a timeout or a 5xx: a POST or PATCH may already have taken effect.
    public var isIdempotent: Bool {
        switch rawValue {
        case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE": true
        default: false
        }
    }

    /// The method token.
    public var description: String { rawValue }

    /// Whether the method is a valid RFC 9110 token (non-empty, visible ASCII, no separators).
    var isValidToken: Bool {
        !rawValue.isEmpty && rawValue.utf8.allSatisfy(HTTPHeaders.isTokenByte)
    }
}
