import Foundation

/// Why `HTTPClient.send(_:)` produced no response. Statuses the caller should see (404, 422, a plain 403)
/// are responses, not errors.
///
/// Never carries request header values, URL userinfo or secret-looking query values.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: Hashable, Sendable, CustomStringConvertible {
        /// The connect or total timeout elapsed.
        case timeout
        /// The host did not resolve, refused or dropped the connection, or the response was cut off.
        case connection
        /// The TLS handshake or certificate verification failed.
        case tls
        /// A GET was redirected more than five times.
        case tooManyRedirects
        /// A rate limit applies until the given time, later than the client is configured to wait
        /// (`maxRateLimitWait`), or it still applied after the last attempt.
        case rateLimited(until: Date)
        /// Every attempt failed in a retryable way: with the last attempt's status (5xx), or `nil` when the
        /// last attempt failed before a response (then `curlMessage` says how).
        case retriesExhausted(lastStatus: Int?)
        /// The URL is not an absolute http(s) URL libcurl accepts.
        case invalidURL
        /// The request cannot be sent as given: an invalid method token, or a header name or value with a
        /// line break or other forbidden character.
        case invalidRequest
        /// The task was cancelled.
        case cancelled
        /// Any other libcurl failure.
        case other

        public var description: String {
            switch self {
            case .timeout: "timeout"
            case .connection: "connection"
            case .tls: "tls"
            case .tooManyRedirects: "tooManyRedirects"
            case .rateLimited(let until): "rateLimited(until: \(until.formatted(.iso8601)))"
            case .retriesExhausted(let status): "retriesExhausted(lastStatus: \(status.map(String.init) ?? "nil"))"
            case .invalidURL: "invalidURL"
            case .invalidRequest: "invalidRequest"
            case .cancelled: "cancelled"
            case .other: "other"
            }
        }
    }

    /// What went wrong.
    public let kind: Kind
    /// The request's method.
    public let method: HTTPMethod
    /// The request's URL without userinfo, fragment or secret-looking query values.
    public let url: String
    /// How many attempts were made (0 when the request was rejected before any).
    public let attempts: Int
    /// libcurl's own words: `curl_easy_strerror` and the `CURLOPT_ERRORBUFFER` detail, when libcurl failed.
    public let curlMessage: String?
    /// Further detail from the client (which header is invalid, what the server said).
    public let detail: String?

    init(kind: Kind, method: HTTPMethod, url: String, attempts: Int, curlMessage: String?, detail: String? = nil) {
        self.kind = kind
        self.method = method
        self.url = url
        self.attempts = attempts
        self.curlMessage = curlMessage
        self.detail = detail
    }

    public var description: String {
        var text = "\(method) \(url): \(summary)"
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let detail { text += " (\(detail))" }
        if let curlMessage { text += " (curl: \(curlMessage))" }
        return text + "; " + advice
    }

    private var summary: String {
        switch kind {
        case .timeout: "timed out"
        case .connection: "connection failed"
        case .tls: "TLS handshake or certificate verification failed"
        case .tooManyRedirects: "too many redirects (more than 5)"
        case .rateLimited(let until): "rate limited until \(until.formatted(.iso8601))"
        case .retriesExhausted(let status?): "still failing with HTTP \(status)"
        case .retriesExhausted(nil): "still failing"
        case .invalidURL: "invalid URL"
        case .invalidRequest: "invalid request"
        case .cancelled: "cancelled"
        case .other: "request failed"
        }
    }

    private var advice: String {
        switch kind {
        case .timeout: "check the network, or whether the server is overloaded, and retry later"
        case .connection:
            "check the host name, the network, and the proxy environment (http_proxy, https_proxy, no_proxy)"
        case .tls: "check the server's certificate and the system CA bundle (ca-certificates); verification stays on"
        case .tooManyRedirects: "check the URL; the server redirects in a loop"
        case .rateLimited: "wait until then, or use credentials with a larger quota"
        case .retriesExhausted(_?): "the server keeps failing; retry later"
        case .retriesExhausted(nil): "the server or the network keeps failing; check the connection and retry later"
        case .invalidURL: "use an absolute http:// or https:// URL"
        case .invalidRequest: "fix the request before sending it"
        case .cancelled: "nothing to do; the caller stopped waiting"
        case .other: "see libcurl's message"
        }
    }
}
