import Foundation

/// An `HTTPRequest` checked and turned into what a transfer needs, once for all its attempts.
struct PreparedRequest: Sendable {
    let method: HTTPMethod
    /// The URL as given, userinfo included: libcurl needs it, nothing else may show it.
    let url: String
    let redacted: RedactedURL
    /// `scheme://host:port`, the key under which a handle (and its connection) is reused.
    let poolKey: String
    /// `Name: value` lines for `CURLOPT_HTTPHEADER`.
    let headerLines: [String]
    /// The body to send; non-nil for POST, PUT and PATCH even when the request has none (`Content-Length: 0`).
    let body: Data?
    let followsRedirects: Bool
    let userAgent: String
    let connectTimeoutMilliseconds: Int
    let totalTimeoutMilliseconds: Int
    /// Values that must never appear in an error: header values, URL user and password.
    private let secrets: [String]

    /// Redirects a GET may follow.
    static let maxRedirects = 5

    init(_ request: HTTPRequest, configuration: HTTPClient.Configuration) throws(HTTPError) {
        method = request.method
        redacted = RedactedURL(request.url)
        url = request.url.absoluteString
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: true)
        secrets = ([components?.user, components?.password].compactMap { $0 } + request.headers.map(\.value))
            .filter { $0.count >= 4 }

        func reject(_ kind: HTTPError.Kind, _ detail: String) -> HTTPError {
            HTTPError(kind: kind, method: request.method, url: RedactedURL(request.url).string, attempts: 0,
                      curlMessage: nil, detail: detail)
        }
        guard let scheme = components?.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw reject(.invalidURL, "only http and https URLs are supported")
        }
        guard let host = components?.host, !host.isEmpty else {
            throw reject(.invalidURL, "the URL has no host")
        }
        guard request.method.isValidToken else {
            throw reject(.invalidRequest, "the method is not a valid HTTP token")
        }
        if let timeout = request.timeout, timeout <= .zero {
            throw reject(.invalidRequest, "the request's timeout must be positive")
        }
        poolKey = "\(scheme)://\(host.lowercased()):\(components?.port ?? (scheme == "https" ? 443 : 80))"

        var lines: [String] = []
        for field in request.headers {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPHeaders.isTokenByte) else {
                throw reject(.invalidRequest, "header name '\(field.name.prefix(40))' is not a valid HTTP token")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw reject(.invalidRequest, "the value of header \(field.name) contains a line break or NUL")
            }
            // libcurl drops a header given as "Name:"; "Name;" sends it with an empty value.
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        let sendsBody = request.body != nil || [.post, .put, .patch].contains(request.method)
        if sendsBody && !request.headers.contains("Content-Type") {
            // Without this libcurl labels the body application/x-www-form-urlencoded.
            lines.append("Content-Type:")
        }
        if !request.headers.contains("Expect") {
            // libcurl would wait for "100 Continue" before sending a large body.
            lines.append("Expect:")
        }
        headerLines = lines
        body = sendsBody ? (request.body ?? Data()) : nil
        followsRedirects = request.method == .get
        userAgent = configuration.userAgent
        let total = request.timeout ?? configuration.totalTimeout
        connectTimeoutMilliseconds = min(configuration.connectTimeout, total).wholeMilliseconds
        totalTimeoutMilliseconds = total.wholeMilliseconds
    }

    /// The error for this request, with libcurl's message (scrubbed of this request's secrets) when there is one.
    func error(_ kind: HTTPError.Kind, attempts: Int, failure: CurlFailure? = nil, detail: String? = nil) -> HTTPError {
        HTTPError(kind: kind, method: method, url: redacted.string, attempts: attempts,
                  curlMessage: failure.map { scrub($0.text) }, detail: detail.map(scrub))
    }

    private func scrub(_ text: String) -> String {
        secrets.reduce(text) { $0.replacingOccurrences(of: $1, with: RedactedURL.placeholder) }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up so a short positive timeout never becomes 0 (no timeout).
    var wholeMilliseconds: Int {
        Int((seconds * 1000).rounded(.up))
    }
}
