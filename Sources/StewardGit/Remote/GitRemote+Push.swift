import CLibGit2
import Foundation

extension GitRemote {
    /// Pushes `refspecs` (`refs/heads/main:refs/heads/main`, never forced), then checks the server's verdict on
    /// each ref: libgit2 reports a ref the server refused through a callback, not a return code.
    /// - Throws: `GitError`; `.authentication` for missing or rejected credentials, `.library` with
    ///   `GIT_ENONFASTFORWARD` when the remote branch moved since it was fetched.
    func push(_ refspecs: [String], credentials: GitTokenCredentials?) throws {
        let context = PushContext(credentials: credentials)
        do {
            try withExtendedLifetime(context) {
                var options = git_push_options()
                try gitCheck(git_push_options_init(&options, UInt32(GIT_PUSH_OPTIONS_VERSION)), "prepare push options")
                options.callbacks.payload = Unmanaged.passUnretained(context).toOpaque()
                options.callbacks.credentials = { out, url, user, allowedTypes, payload in
                    guard let payload else { return GIT_ERROR.rawValue }
                    let context = Unmanaged<PushContext>.fromOpaque(payload).takeUnretainedValue()
                    guard let credentials = context.credentials else { return GIT_PASSTHROUGH.rawValue }
                    return GitTokenCredentials.callback(
                        out, url, user, allowedTypes, Unmanaged.passUnretained(credentials).toOpaque())
                }
                options.callbacks.push_update_reference = { reference, status, payload in
                    if let reference, let status, let payload {
                        Unmanaged<PushContext>.fromOpaque(payload).takeUnretainedValue()
                            .rejections.append("\(String(cString: reference)) (\(String(cString: status)))")
                    }
                    return 0
                }
                options.proxy_opts.type = GIT_PROXY_AUTO
                try withStringArray(refspecs) { array in
                    _ = try gitCheck(git_remote_push(handle, &array, &options), "push \(refspecs.joined(separator: ", ")) to \(url)")
                }
            }
        } catch let error as GitError where error.libraryCode == GIT_EAUTH.rawValue {
            throw GitError(code: .authentication, operation: error.operation, message: error.message, libraryCode: error.libraryCode)
        }
        if !context.rejections.isEmpty {
            throw GitError(
                code: .library, operation: "push to \(url)",
                message: "the remote refused \(context.rejections.joined(separator: ", "))",
                libraryCode: GIT_ENONFASTFORWARD.rawValue)
        }
    }
}

/// What one push's callbacks share: the credentials to answer with and the refs the server refused.
private final class PushContext {
    let credentials: GitTokenCredentials?
    var rejections: [String] = []

    init(credentials: GitTokenCredentials?) {
        self.credentials = credentials
    }
}
