/// One attempt of one request, for logs: what `HTTPClient.Configuration.onEvent` receives.
///
/// Holds no header values and no secret-looking query values, so it can be logged as is.
public struct HTTPEvent: Sendable, CustomStringConvertible {
    /// The request's method.
    public let method: HTTPMethod
    /// The request's host.
    public let host: String
    /// Path and query of the request URL, with secret-looking query values replaced by `REDACTED`.
    public let path: String
    /// 1 for the first attempt.
    public let attempt: Int
    /// The final response's status; `nil` when the attempt failed before a response.
    public let status: Int?
    /// Why the attempt failed before a response; `nil` when there was one.
    public let failure: HTTPError.Kind?
    /// Wall time of the attempt.
    public let duration: Duration
    /// `X-RateLimit-Remaining` of the response, when present.
    public let rateLimitRemaining: Int?
    /// Whether the response was 304 Not Modified (a conditional request answered from the caller's cache).
    public let notModified: Bool
    /// Whether the attempt used an already open connection.
    public let reusedConnection: Bool
    /// When the client will retry: the wait before the next attempt.
    public let retryDelay: Duration?

    /// An event; the client creates these, log formatter tests may too.
    public init(
        method: HTTPMethod, host: String, path: String, attempt: Int, status: Int?, failure: HTTPError.Kind?,
        duration: Duration, rateLimitRemaining: Int?, notModified: Bool, reusedConnection: Bool,
        retryDelay: Duration?
    ) {
        self.method = method
        self.host = host
        self.path = path
        self.attempt = attempt
        self.status = status
        self.failure = failure
        self.duration = duration
        self.rateLimitRemaining = rateLimitRemaining
        self.notModified = notModified
        self.reusedConnection = reusedConnection
        self.retryDelay = retryDelay
    }

    /// `key=value` pairs (logfmt), e.g.
    /// `method=GET host=api.github.com path=/orgs/acme/repos status=200 attempt=1 duration_ms=84 …`.
    public var description: String {
        var pairs = ["method=\(method)", "host=\(host)", "path=\(path)"]
        if let status { pairs.append("status=\(status)") }
        if let failure { pairs.append("failure=\(failure)") }
        pairs.append("attempt=\(attempt)")
        pairs.append("duration_ms=\(duration.wholeMilliseconds)")
        if let rateLimitRemaining { pairs.append("ratelimit_remaining=\(rateLimitRemaining)") }
        pairs.append("not_modified=\(notModified)")
        pairs.append("reused_connection=\(reusedConnection)")
        if let retryDelay { pairs.append("retry_in_ms=\(retryDelay.wholeMilliseconds)") }
        return pairs.joined(separator: " ")
    }
}
