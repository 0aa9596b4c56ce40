import Foundation
import StewardModel

extension RunRecord {
    /// Records how an Ansible run ended: its status, exit code, failed task and host, and the finish time.
    mutating func finish(with result: PlaybookResult, at time: Date) {
        status = result.status
        exitCode = result.exitCode
        failedTask = result.failedTask
        failedHost = result.failedHost
        finishedAt = time
    }
}
