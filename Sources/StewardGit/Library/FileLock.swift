import Foundation

/// An exclusive `flock` on a lock file, shared by processes: the local forge's id counter, each mirror.
/// The kernel releases it when the holder dies, even by `kill -9`.
enum FileLock {
    /// Runs `body` holding an exclusive lock on `path` (created 0600 when absent). Waits on the calling
    /// thread: call it off the cooperative pool (`BlockingWork`) when another process may hold the lock long.
    /// - Parameter operation: what the lock guards, for the error ("lock the local forge").
    /// - Throws: `GitError` when the file cannot be opened or locked; what `body` throws.
    static func withExclusiveLock<T>(_ path: String, operation: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw GitError(code: .notARepository, operation: operation, message: "cannot open \(path): errno \(errno)")
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX) == 0 else {
            throw GitError(code: .notARepository, operation: operation, message: "cannot lock \(path): errno \(errno)")
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
