import CCurl
import Foundation

/// An HTTP/1.1 and HTTP/2 client over libcurl for Steward's forge adapters and health checks.
///
/// - Connections are reused: idle easy handles are pooled per `scheme://host:port`, and libcurl keeps
///   their connections open between requests.
/// - Each transfer runs a blocking `curl_easy_perform` on a dedicated dispatch queue, never on the Swift
///   cooperative pool; cancelling the calling task aborts the transfer.
/// - TLS certificates and host names are always verified; proxies come from `http_proxy`, `https_proxy` and
///   `no_proxy`; compressed responses are decoded; a GET follows up to 5 redirects.
/// - Timeouts, connection failures and 500/502/503/504 are retried with exponential backoff and full
///   jitter; GitHub's primary and secondary rate limits (403/429) are waited out up to `maxRateLimitWait`.
///   POST and PATCH are retried only when the connection failed before anything was sent, or when a rate
///   limit rejected them.
public final class HTTPClient: Sendable {
    /// The configuration the client was created with.
    public let configuration: Configuration
    private let policy: RetryPolicy
    private let pool: EasyHandlePool

    /// Idle handles (and so open connections) kept for reuse.
    static let idleHandleCapacity = 8

    /// A client; it initialises libcurl once per process.
    /// - Throws: `HTTPClientSetupError` when the configuration is invalid or libcurl cannot be initialised.
    public init(configuration: Configuration = Configuration()) throws(HTTPClientSetupError) {
        if let problem = configuration.problem {
            throw HTTPClientSetupError("invalid HTTP client configuration: \(problem)")
        }
        do {
            try CurlFailure.check(steward_curl_global_init_once(), "curl_global_init")
        } catch {
            throw HTTPClientSetupError("libcurl could not be initialised: \(error.text); check the libcurl installation")
        }
        self.configuration = configuration
        policy = RetryPolicy(
            maxAttempts: configuration.maxAttempts,
            baseDelay: configuration.baseDelay,
            maxDelay: configuration.maxDelay,
            maxRateLimitWait: configuration.maxRateLimitWait,
            jitter: configuration.jitter
        )
        pool = EasyHandlePool(capacity: Self.idleHandleCapacity)
    }

    /// Sends `request`, retrying as the type's documentation describes.
    /// - Returns: the response, for any status the client does not turn into an error: 2xx, 3xx not
    ///   followed, 304, 4xx other than rate limits, and 5xx for methods that are not retried.
    /// - Throws: `HTTPError` when no response can be returned: the request is invalid, every attempt
    ///   failed, a rate limit lasts longer than `maxRateLimitWait`, or the task was cancelled.
    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let prepared = try PreparedRequest(request, configuration: configuration)
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw prepared.error(.cancelled, attempts: attempt - 1) }
            let started = ContinuousClock.now
            let outcome = await transfer(prepared)
            let duration = started.duration(to: .now)
            let decision =
                switch outcome {
                case .success(let raw):
                    policy.decide(method: request.method, response: raw, attempt: attempt, now: configuration.now())
                case .failure(let failure):
                    policy.decide(method: request.method, failure: failure, attempt: attempt)
                }
            report(prepared, attempt: attempt, duration: duration, outcome: outcome, decision: decision)
            switch (decision, outcome) {
            case (.deliver, .success(let raw)):
                return HTTPResponse(
                    status: raw.status, headers: raw.headers, body: raw.body,
                    url: URL(string: raw.effectiveURL) ?? request.url, attempts: attempt
                )
            case (.retry(let delay), _):
                try await pause(delay, prepared, attempt: attempt)
            case (.fail(let kind), .success(let raw)):
                throw prepared.error(kind, attempts: attempt, detail: Self.serverMessage(raw))
            case (.fail(let kind), .failure(let failure)):
                throw prepared.error(kind, attempts: attempt, failure: failure)
            case (.deliver, .failure(let failure)):
                // A failed transfer has no response to deliver.
                throw prepared.error(failure.kind, attempts: attempt, failure: failure)
            }
        }
    }

    /// Runs one attempt on a thread of its own; cancelling the task sets the flag the progress callback polls.
    ///
    /// Each transfer gets a new serial queue: serial queues run on libdispatch's overcommitting pool, which
    /// adds a thread when the others block, whereas a concurrent queue runs at most one block per CPU, so
    /// on a 2-core machine two slow transfers would hold up every other one.
    private func transfer(_ prepared: PreparedRequest) async -> Result<RawResponse, CurlFailure> {
        let cancellation = CancellationFlag()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue(label: "steward.http.transfer", qos: .utility).async { [pool] in
                    continuation.resume(returning: pool.perform(prepared, cancellation: cancellation))
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    private func pause(_ delay: Duration, _ prepared: PreparedRequest, attempt: Int) async throws(HTTPError) {
        do {
            try await configuration.sleep(delay)
        } catch {
            let kind: HTTPError.Kind = error is CancellationError || Task.isCancelled ? .cancelled : .other
            throw prepared.error(kind, attempts: attempt, detail: "waiting before the next attempt: \(error)")
        }
    }

    private func report(
        _ prepared: PreparedRequest, attempt: Int, duration: Duration, outcome: Result<RawResponse, CurlFailure>,
        decision: RetryPolicy.Decision
    ) {
        guard let onEvent = configuration.onEvent else { return }
        let response = try? outcome.get()
        var failure: CurlFailure?
        if case .failure(let error) = outcome { failure = error }
        var retryDelay: Duration?
        if case .retry(let delay) = decision { retryDelay = delay }
        onEvent(
            HTTPEvent(
                method: prepared.method,
                host: prepared.redacted.host,
                path: prepared.redacted.pathAndQuery,
                attempt: attempt,
                status: response?.status,
                failure: failure?.kind,
                duration: duration,
                rateLimitRemaining: response?.headers["x-ratelimit-remaining"].flatMap { Int($0) },
                notModified: response?.status == 304,
                reusedConnection: response.map { $0.newConnections == 0 } ?? false,
                retryDelay: retryDelay
            )
        )
    }

    /// The `message` of a GitHub-style JSON error body, shortened, for the error's detail.
    private static func serverMessage(_ response: RawResponse) -> String? {
        let message = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["message"] as? String
        return message.map { "server said: " + String($0.prefix(200)) }
    }
}
