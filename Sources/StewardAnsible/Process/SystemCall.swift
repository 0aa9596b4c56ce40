import Glibc

/// A failed system call, with the C library's own message.
struct SystemCallError: Error, CustomStringConvertible, Sendable {
    var operation: String
    var code: Int32
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// The one place where C return codes become typed errors.
enum SystemCall {
    /// For calls that return -1 and set `errno`. - Returns: the call's result.
    @discardableResult
    static func check(_ operation: String, _ result: Int32) throws(SystemCallError) -> Int32 {
        guard result == -1 else { return result }
        throw SystemCallError(operation: operation, code: errno)
    }

    /// For calls that return a byte count or -1 (`read`, `write`). - Returns: the count.
    @discardableResult
    static func check(_ operation: String, _ result: Int) throws(SystemCallError) -> Int {
        guard result == -1 else { return result }
        throw SystemCallError(operation: operation, code: errno)
    }

    /// For the `posix_spawn` family, which returns the error number instead of setting `errno`.
    static func checkCode(_ operation: String, _ code: Int32) throws(SystemCallError) {
        guard code == 0 else { throw SystemCallError(operation: operation, code: code) }
    }
}
