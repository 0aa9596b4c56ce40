import Glibc

/// A failed system call, with the C library's own message.
public struct SystemCallError: Error, CustomStringConvertible, Sendable {
    public var operation: String
    public var code: Int32
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}

/// The one place where C return codes become typed errors.
public enum SystemCall {
    /// For calls that return -1 and set `errno`. - Returns: the call's result.
    @discardableResult
    public static func check(_ operation: String, _ result: Int32) throws(SystemCallError) -> Int32 {
        guard result == -1 else { return result }
        throw SystemCallError(operation: operation, code: errno)
    }

    /// For calls that return a byte count or -1 (`read`, `write`). - Returns: the count.
    @discardableResult
    public static func check(_ operation: String, _ result: Int) throws(SystemCallError) -> Int {
        guard result == -1 else { return result }
        throw SystemCallError(operation: operation, code: errno)
    }

    /// For the `posix_spawn` family, which returns the error number instead of setting `errno`.
    public static func checkCode(_ operation: String, _ code: Int32) throws(SystemCallError) {
        guard code == 0 else { throw SystemCallError(operation: operation, code: code) }
    }
}
