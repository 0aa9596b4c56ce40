import Foundation

/// A response from `HTTPClient.send(_:)`: any status the client did not turn into an `HTTPError`
/// (2xx, 3xx that were not followed, 304, and 4xx other than rate limits).
public struct HTTPResponse: Sendable, CustomStringConvertible {
    /// The status code of the final response.
    public let status: Int
    /// The final response's header fields, names lowercased, in the order received.
    public let headers: HTTPHeaders
    /// The body, decoded from gzip/deflate/br/zstd when the server compressed it.
    public let body: Data
    /// The URL of the final response, after redirects.
    public let url: URL
    /// How many attempts the client made, counting the one that produced this response.
    public let attempts: Int

    /// A response; the client builds these, tests and fakes may too.
    public init(status: Int, headers: HTTPHeaders, body: Data, url: URL, attempts: Int) {
        self.status = status
        self.headers = HTTPHeaders(headers.fields.map { (name: $0.name.lowercased(), value: $0.value) })
        self.body = body
        self.url = url
        self.attempts = attempts
    }

    /// Every value of the header `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        headers.values(for: name)
    }

    /// The first value of the header `name` (case-insensitive).
    public subscript(header name: String) -> String? {
        headers[name]
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    public var description: String {
        "HTTP \(status) from \(RedactedURL(url).string), \(body.count) bytes"
            + (attempts > 1 ? ", after \(attempts) attempts" : "")
    }
}
