import Foundation

/// A config repo URL as Steward accepts it: a local path (absolute or relative), `file://`, `https://`,
/// `http://` or `git://`, never with credentials in it.
struct GitRemoteURL: Sendable, Equatable {
    enum Transport: Sendable, Equatable {
        case local
        case https
        case http
        case git
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
        case .local, .git: return false
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
        case "git": transport = .git
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
        normalized = string
        host = transport == .local ? nil : Self.hostName(of: String(authority))
    }

    /// `string` without the user information of a `scheme://user:password@host/…` URL, for messages.
    static func redacted(_ string: String) -> String {
        guard let schemeEnd = string.range(of: "://") else { return string }
        let rest = string[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return string }
        return String(string[..<schemeEnd.upperBound] + rest[rest.index(after: at)...])
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
