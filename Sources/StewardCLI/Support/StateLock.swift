import Foundation
import Logging
import StewardCore

/// One writer per state dir: `reconcile` and `sync` hold an exclusive lock on `STATE/steward.lock` for the
/// whole pass, so two passes never act at once (one would take the other's running Ansible run for a
/// crashed one). A second process waits, and says so. The kernel releases the lock when a process dies,
/// even by `kill -9`.
final class StateLock {
    private let descriptor: Int32

    /// Returns once the lock is held; the wait happens off the cooperative pool (`BlockingWork`).
    /// - Throws: `CommandFailure` when the lock file cannot be opened.
    init(stateDirectory: URL, logger: Logger) async throws {
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        let path = stateDirectory.appendingPathComponent("steward.lock").path
        descriptor = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CommandFailure("cannot open \(path): \(String(cString: strerror(errno)))") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            logger.info("another steward process is reconciling this state dir; waiting for it", metadata: ["lock": "\(path)"])
            let descriptor = descriptor
            let locked = try await BlockingWork.run("steward.state-lock") { flock(descriptor, LOCK_EX) == 0 }
            guard locked else {
                close(descriptor)
                throw CommandFailure("cannot lock \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
