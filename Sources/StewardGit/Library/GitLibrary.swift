import CLibGit2
import Foundation

/// libgit2's process-wide state.
public enum GitLibrary {
    /// Swift runs a static's initializer exactly once and thread-safely (`swift_once`), which makes this
    /// the single `git_libgit2_init` call of the process. libgit2 is never shut down: its global state
    /// lives as long as the process does.
    private static let initResult: Int32 = git_libgit2_init()

    /// Initializes libgit2 on first use; every entry point that touches libgit2 calls this first.
    static func ensureInitialized() throws(GitError) {
        try gitCheck(initResult, "initialize libgit2")
    }
}

/// The one place a libgit2 return code is checked: negative codes become a `GitError` carrying
/// libgit2's own message (`git_error_last()`).
///
/// - Parameters:
///   - result: the return code of a libgit2 call.
///   - operation: what Steward was doing, for the error message.
///   - absentCodes: codes that mean "no such thing" for this call (e.g. `GIT_ENOTFOUND`); they are
///     reported as `false` instead of an error.
/// - Returns: true on success, false when `result` is one of `absentCodes`.
/// - Throws: `GitError` with code `.library` for any other negative result.
@discardableResult
func gitCheck(
    _ result: Int32,
    _ operation: @autoclosure () -> String,
    absent absentCodes: [git_error_code] = []
) throws(GitError) -> Bool {
    if result >= 0 { return true }
    if absentCodes.contains(where: { $0.rawValue == result }) {
        git_error_clear()
        return false
    }
    throw GitError.library(result: result, operation: operation())
}

extension GitError {
    /// A libgit2 failure, with the message libgit2 recorded for this thread.
    static func library(result: Int32, operation: String) -> GitError {
        let message: String
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
        } else {
            message = "libgit2 error \(result)"
        }
        git_error_clear()
        return GitError(code: .library, operation: operation, message: message, libraryCode: result)
    }
}

/// Calls `body` with `strings` as a `git_strarray` that lives for the call.
func withStringArray<T>(_ strings: [String], _ body: (inout git_strarray) throws -> T) rethrows -> T {
    let cStrings = strings.map { strdup($0) }
    defer { cStrings.forEach { free($0) } }
    var pointers: [UnsafeMutablePointer<CChar>?] = cStrings
    return try pointers.withUnsafeMutableBufferPointer { buffer in
        var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&array)
    }
}
