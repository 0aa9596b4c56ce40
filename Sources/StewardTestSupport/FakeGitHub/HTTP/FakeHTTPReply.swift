import Foundation

/// What the loopback server sends back for one request, and how.
struct FakeHTTPReply: Sendable {
    /// How the bytes go out: a well-formed answer, nothing at all, or a cut-off body.
    enum Delivery: Sendable, Equatable {
        case complete
        /// Close the connection without writing a byte.
        case closeWithoutAnswer
        /// Announce the full `Content-Length`, send only this many body bytes, then close.
        case truncated(sentBodyBytes: Int)
    }

    var status: Int
    /// In order; names as they go on the wire.
    var headers: [(String, String)]
    var body: [UInt8]
    /// Wait this long before answering (a slow server).
    var delay: TimeInterval = 0
    var delivery: Delivery = .complete

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The status line, headers and (unless `omitBody`) the body, as one buffer for one `send`.
    func wireBytes(keepAlive: Bool, omitBody: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.reason(for: status))\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        // 1xx, 204 and 304 carry no body and no length (RFC 9110 §8.6).
        let bodiless = status == 304 || status == 204 || status < 200
        if !bodiless { head += "content-length: \(body.count)\r\n" }
        head += keepAlive ? "connection: keep-alive\r\n\r\n" : "connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if !omitBody && !bodiless {
            switch delivery {
            case .complete, .closeWithoutAnswer: bytes.append(contentsOf: body)
            case let .truncated(count): bytes.append(contentsOf: body.prefix(count))
            }
        }
        return bytes
    }

    static func reason(for status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }
}
