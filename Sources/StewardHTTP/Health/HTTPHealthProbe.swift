import Foundation
import StewardCore

/// The health_checker's probe over libcurl: one GET per check, no retries, the check's own timeout;
/// connections to the same app are reused between rounds.
public struct HTTPHealthProbe: HealthProbe {
    private let client: HTTPClient

    /// The User-Agent apps see in their access logs.
    public static let userAgent = "Steward-HealthCheck/0.1"

    /// A probe with its own client (one attempt per request; redirects followed, at most 5).
    /// - Throws: `HTTPClientSetupError` when libcurl cannot be initialised.
    public init() throws(HTTPClientSetupError) {
        client = try HTTPClient(configuration: HTTPClient.Configuration(
            userAgent: Self.userAgent, connectTimeout: .seconds(5), totalTimeout: .seconds(10), maxAttempts: 1,
            baseDelay: .zero, maxDelay: .zero, maxRateLimitWait: .zero))
    }

    public func get(_ url: URL, timeout: Duration) async throws -> HealthProbeAnswer {
        do {
            let response = try await client.send(HTTPRequest(url: url, timeout: timeout))
            return HealthProbeAnswer(status: response.status, body: String(decoding: response.body.prefix(1024), as: UTF8.self))
        } catch {
            throw Self.probeError(error, timeout: timeout)
        }
    }

    /// The client's error in a few words: its kind and libcurl's message, without the advice meant for API calls.
    static func probeError(_ error: HTTPError, timeout: Duration) -> HealthProbeError {
        let curl = error.curlMessage.map { ": \($0)" } ?? ""
        switch error.kind {
        case .timeout:
            return HealthProbeError(.timeout, "no answer within \(timeout)\(curl)")
        case .connection:
            return HealthProbeError(.connection, "connection failed\(curl)")
        case .invalidURL, .invalidRequest:
            return HealthProbeError(.invalidURL, "cannot check \(error.url)\(error.detail.map { ": \($0)" } ?? "")")
        case .rateLimited:
            return HealthProbeError(.other, "answered 429/403 (rate limited)")
        case .retriesExhausted(let status?):
            return HealthProbeError(.other, "HTTP \(status)")
        default:
            return HealthProbeError(.other, "\(error.kind)\(curl)")
        }
    }
}
