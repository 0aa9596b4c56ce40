import Foundation

/// A request for `HTTPClient.send(_:)`.
///
/// `description` and the mirror leave out header values and any userinfo or secret-looking query values
/// of the URL, so a request can be logged or printed in a test failure without leaking a token.
public struct HTTPRequest: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The method; only GET follows redirects, and only idempotent methods are retried after a timeout or 5xx.
    public var method: HTTPMethod
    /// An absolute `http` or `https` URL.
    public var url: URL
    /// Header fields in the order they are sent. `User-Agent` defaults to the client's configured one.
    public var headers: HTTPHeaders
    /// The request body; POST, PUT and PATCH without one send an empty body (`Content-Length: 0`).
    public var body: Data?
    /// A limit for each attempt of this request, connecting included, instead of the client's
    /// `connectTimeout` and `totalTimeout` (whichever is shorter wins for connecting).
    public var timeout: Duration?

    /// A request for `url`.
    public init(method: HTTPMethod = .get, url: URL, headers: HTTPHeaders = [:], body: Data? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    public var description: String {
        "\(method) \(RedactedURL(url).string)" + (headers.count == 0 ? "" : " headers: \(headers)")
            + (body.map { " body: \($0.count) bytes" } ?? "")
    }

    public var debugDescription: String { "HTTPRequest(\(description))" }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "method": method.rawValue, "url": RedactedURL(url).string, "headers": headers,
                "bodyBytes": body?.count as Any,
            ],
            displayStyle: .struct
        )
    }
}
