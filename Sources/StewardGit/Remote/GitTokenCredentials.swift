import CLibGit2

/// Answers a server's credentials request during one fetch or push with a token (user `x-access-token`),
/// once: a second request means the token was rejected.
///
/// The token lives only in memory, and only for the fetch; it is never part of a URL or the repo config.
final class GitTokenCredentials {
    let token: String?
    /// Where the token comes from, as messages name it: `$STEWARD_GIT_TOKEN`, `the forge credentials`.
    let source: String
    private var attempts = 0

    /// A token read from the environment variable `variable`.
    convenience init(token: String?, variable: String) {
        self.init(token: token, source: "$\(variable)")
    }

    /// A token from `source` (named in errors, never the token itself).
    init(token: String?, source: String) {
        self.token = token
        self.source = source
    }

    /// The libgit2 callback; `payload` is an unretained `GitTokenCredentials` that outlives the fetch.
    static let callback: git_credential_acquire_cb = { out, _, _, allowedTypes, payload in
        guard let out, let payload else { return GIT_ERROR.rawValue }
        return Unmanaged<GitTokenCredentials>.fromOpaque(payload).takeUnretainedValue().answer(out, allowedTypes)
    }

    /// Returns codes to libgit2 instead of throwing: this runs inside a C callback. Failures record their
    /// message with `git_error_set_str`, which the fetch's own check then reports.
    private func answer(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>,
        _ allowedTypes: UInt32
    ) -> Int32 {
        attempts += 1
        let message: String
        if let token, !token.isEmpty {
            if attempts > 1 {
                message = "the server rejected the token from \(source); "
                    + "check that it is valid and can read the repository"
            } else if allowedTypes & GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue == 0 {
                message = "the server asked for a kind of credentials other than a token"
            } else {
                return git_credential_userpass_plaintext_new(out, "x-access-token", token)
            }
        } else {
            message = "the server asked for credentials; put a token that can read the repository in \(source)"
        }
        git_error_set_str(Int32(GIT_ERROR_NET.rawValue), message)
        return GIT_EAUTH.rawValue
    }
}
