import Foundation

/// What a deployed app's health endpoint answered.
public struct HealthProbeAnswer: Sendable, Hashable {
    /// The HTTP status code of the final response.
    public var status: Int
    /// The start of the body, for messages: at most `HealthProbeAnswer.excerptLength` characters, one line.
    public var bodyExcerpt: String

    /// Longest body excerpt kept.
    public static let excerptLength = 120

    /// An answer; the body is cut to one short line.
    public init(status: Int, body: String) {
        self.status = status
        // Control characters (newlines included) become spaces: the excerpt goes into one log line.
        let line = body.prefix(Self.excerptLength * 2).map { character -> Character in
            character.unicodeScalars.contains { $0.properties.generalCategory == .control } ? " " : character
        }
        bodyExcerpt = String(String(line).trimmingCharacters(in: .whitespaces).prefix(Self.excerptLength))
    }

    /// 2xx: the app says it is healthy.
    public var isHealthy: Bool { (200..<300).contains(status) }
}

/// Why a health check got no answer: the connection was refused, the check timed out, the URL is unusable.
public struct HealthProbeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for callers that branch on it.
    public enum Kind: String, Sendable, Hashable {
        case timeout
        case connection
        case invalidURL
        case other
    }

    public var kind: Kind
    /// A short, secret-free explanation (libcurl's words where it failed), for `last_error` and incidents.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Asks a deployed app whether it is healthy: one HTTP GET, one attempt, no retries (the checker counts
/// consecutive failures instead). The health_checker's port; the adapter is `HTTPHealthProbe` (libcurl).
public protocol HealthProbe: Sendable {
    /// GETs `url` once.
    /// - Parameters:
    ///   - url: an absolute `http` URL, `http://ADDRESS:PORT/healthPath`.
    ///   - timeout: the limit for the whole check, connecting included.
    /// - Returns: the answer, whatever its status (a 500 is an answer, not an error).
    /// - Throws: `HealthProbeError` when no answer arrived.
    func get(_ url: URL, timeout: Duration) async throws -> HealthProbeAnswer
}
