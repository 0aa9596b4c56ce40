import Foundation

/// A URL as it may appear in logs, events and errors: no userinfo, no fragment, and the values of query
/// parameters that look secret (by name, such as `access_token`, or by shape, such as a `ghp_` token)
/// replaced by `REDACTED`.
struct RedactedURL: Sendable {
    /// `scheme://host[:port]/path?query`, redacted.
    let string: String
    /// The host, lowercased; empty when the URL has none.
    let host: String
    /// `/path?query`, redacted; `/` when the path is empty.
    let pathAndQuery: String

    static let placeholder = "REDACTED"

    /// Query parameter names (lowercased, as substrings) whose values are never shown.
    private static let secretNameParts = [
        "token", "secret", "password", "passwd", "pwd", "key", "sig", "auth", "code", "credential", "session", "jwt",
    ]
    /// Value prefixes of GitHub tokens and JWTs.
    private static let secretValuePrefixes = ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "eyJ"]

    init(_ url: URL) {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
            // Foundation could not parse it, so nothing can be split off safely.
            string = "<unparsable URL>"
            host = ""
            pathAndQuery = "/"
            return
        }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        let query = components.percentEncodedQuery.map { "?" + Self.redactQuery($0) } ?? ""
        host = (components.host ?? "").lowercased()
        pathAndQuery = path + query
        var origin = (components.scheme ?? "").lowercased() + "://"
        origin += (components.percentEncodedHost ?? "").lowercased()
        if let port = components.port { origin += ":\(port)" }
        string = origin + pathAndQuery
    }

    private static func redactQuery(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            guard let equals = pair.firstIndex(of: "=") else { return String(pair) }
            let name = pair[..<equals]
            let value = pair[pair.index(after: equals)...]
            return looksSecret(name: String(name), value: String(value)) ? "\(name)=\(placeholder)" : String(pair)
        }.joined(separator: "&")
    }

    private static func looksSecret(name: String, value: String) -> Bool {
        let decodedName = (name.removingPercentEncoding ?? name).lowercased()
        let decodedValue = value.removingPercentEncoding ?? value
        return secretNameParts.contains { decodedName.contains($0) }
            || secretValuePrefixes.contains { decodedValue.hasPrefix($0) }
    }
}
