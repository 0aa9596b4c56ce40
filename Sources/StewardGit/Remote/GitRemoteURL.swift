import Foundation

/// A config repo URL as Steward accepts it: a local path (absolute or relative), `file://`, `https://` or
/// `http://`, never with credentials in it, nor a query string or fragment (where tokens hide:
/// `?access_token=…`). `git://` is refused like `ssh://`: unauthenticated and unencrypted.
struct GitRemoteURL: Sendable, Equatable {
    enum Transport: Sendable, Equatable {
        case local
        case https
        case http
    }

    /// What libgit2 is given and what the cache records as the remote: relative paths made absolute.
    let normalized: String
    let transport: Transport
    /// Host name for network transports, without port or brackets; nil for local repositories.
    let host: String?

    /// Whether a token may be sent: over TLS, or to this machine (where nothing crosses a network).
    var sendsToken: Bool {
        switch transport {
        case .https: return true
        case .http: return host.map(Self.isLoopback) ?? false
        case .local: return false
        }
    }

    /// - Parameters:
    ///   - string: the URL or path from the configuration.
    ///   - currentDirectory: what a relative path is relative to.
    ///   - tokenVariable: named in errors that tell the user where credentials go instead.
    /// - Throws: `.credentialsInURL` (the error never repeats the credentials), `.unsupportedURL`.
    init(parsing string: String, currentDirectory: String, tokenVariable: String) throws(GitError) {
        let operation = "read the config repo URL"
        guard !string.isEmpty else {
            throw GitError(
                code: .unsupportedURL,
                operation: operation,
                message: "the URL is empty; give a path or an https:// URL"
            )
        }
        guard let schemeEnd = string.range(of: "://") else {
            if Self.looksLikeSCP(string) {
                throw GitError(
                    code: .unsupportedURL,
                    operation: operation,
                    message: "ssh URLs (host:path) are not supported; "
                        + "use the https:// URL and put a token in $\(tokenVariable)"
                )
            }
            let absolute = string.hasPrefix("/") ? string : currentDirectory + "/" + string
            normalized = URL(fileURLWithPath: absolute).standardizedFileURL.path
            transport = .local
            host = nil
            return
        }
        let scheme = string[..<schemeEnd.lowerBound].lowercased()
        let rest = string[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        switch scheme {
        case "file": transport = .local
        case "https": transport = .https
        case "http": transport = .http
        default:
            // A malformed "scheme" could hold anything, credentials included: only a plain one is repeated.
            let plain = scheme.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || ("a"..."z").contains($0) }
            throw GitError(
                code: .unsupportedURL,
                operation: operation,
                message: "\(plain ? "\(scheme)://" : "such") URLs are not supported; use a local path, file://, "
                    + "or https:// with a token in $\(tokenVariable)"
            )
        }
        if authority.contains("@") {
            throw GitError(
                code: .credentialsInURL,
                operation: operation,
                message: "the URL \(Self.redacted(string)) has credentials in it; remove them from the URL "
                    + "and put the token in the environment variable \(tokenVariable) instead"
            )
        }
        if transport != .local, rest.contains(where: { $0 == "?" || $0 == "#" }) {
            throw GitError(
                code: .credentialsInURL,
                operation: operation,
                message: "the URL \(Self.redacted(string)) has a query string or fragment, where tokens hide (?access_token=…); "
                    + "remove it and put a token in the environment variable \(tokenVariable) instead"
            )
        }
        normalized = string
        host = transport == .local ? nil : Self.hostName(of: String(authority))
    }

    /// `string` without the user information of a `scheme://user:password@host/…` URL, nor its query string or
    /// fragment (shown as `?…`), for messages.
    static func redacted(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://") else { return string }
        var rest = string[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var cut = String(rest)
        if let query = cut.firstIndex(where: { $0 == "?" || $0 == "#" }) { cut = String(cut[..<query]) + "?…" }
        return String(string[..<schemeEnd.upperBound]) + cut
    }

    /// `user@host:path` or `host:path`: git's scp-like ssh syntax (a `:` before any `/`).
    private static func looksLikeSCP(_ string: String) -> Bool {
        guard let colon = string.firstIndex(of: ":") else { return false }
        return !string[..<colon].contains("/")
    }

    private static func hostName(of authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        return String(authority.prefix { $0 != ":" }).lowercased()
    }

    private static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
