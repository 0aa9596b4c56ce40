import StewardCore
import StewardModel

/// How the `ansible-playbook` process ended, as far as the runner is concerned.
enum PlaybookExit: Sendable, Hashable {
    /// The process exited with this code.
    case exited(Int32)
    /// The process was killed by a signal the runner did not send.
    case signaled(Int32)
    /// The runner stopped it because the request's timeout passed.
    case timedOut
    /// The runner stopped it because the calling task was cancelled.
    case cancelled
}

/// Collects the events of one run and decides its ``PlaybookResult``.
struct PlaybookOutcome: Sendable {
    private(set) var tasks: [TaskEvent] = []
    private(set) var stats: [String: AnsibleEvent.HostStats] = [:]
    private var firstFailure: AnsibleEvent.HostResult?
    private var firstUnreachable: AnsibleEvent.HostResult?
    /// The first failed (or unreachable) task of each host.
    private var failedTasks: [String: String] = [:]

    /// Records `event`. - Returns: the task event to stream, for final per-host results.
    mutating func record(_ event: AnsibleEvent) -> TaskEvent? {
        switch event {
        case .hostResult(let result):
            if result.status == .failed, !result.ignoreErrors, firstFailure == nil { firstFailure = result }
            if result.status == .unreachable, firstUnreachable == nil { firstUnreachable = result }
            if result.status == .unreachable || (result.status == .failed && !result.ignoreErrors),
                failedTasks[result.host] == nil
            {
                failedTasks[result.host] = result.task
            }
            tasks.append(result.taskEvent)
            return result.taskEvent
        case .stats(let hosts):
            stats = hosts
            return nil
        default:
            return nil
        }
    }

    /// The result for a process that ended with `exit`.
    ///
    /// ansible-playbook exits 4 both for unreachable hosts and for playbook parse errors, so 4 means
    /// `unreachable` only when a host was actually reported unreachable; otherwise the run `failed`.
    func result(exit: PlaybookExit, stderrTail: String) -> PlaybookResult {
        let sawUnreachable = firstUnreachable != nil || stats.values.contains { $0.unreachable > 0 }
        let status: RunRecord.Status
        let exitCode: Int?
        let culprit: AnsibleEvent.HostResult?
        var tail = stderrTail
        switch exit {
        case .exited(0):
            status = .succeeded
            exitCode = 0
            culprit = nil
        case .exited(4) where sawUnreachable:
            status = .unreachable
            exitCode = 4
            culprit = firstUnreachable ?? firstFailure
        case .exited(let code):
            status = .failed
            exitCode = Int(code)
            culprit = firstFailure ?? firstUnreachable
        case .signaled(let signal):
            status = .failed
            exitCode = nil
            culprit = firstFailure ?? firstUnreachable
            tail += (tail.isEmpty || tail.hasSuffix("\n") ? "" : "\n") + "ansible-playbook was killed by signal \(signal)"
        case .timedOut:
            status = .timedOut
            exitCode = nil
            culprit = nil
        case .cancelled:
            status = .interrupted
            exitCode = nil
            culprit = nil
        }
        return PlaybookResult(
            status: status, exitCode: exitCode, tasks: tasks, failedTask: culprit?.task,
            failedHost: culprit?.host, stderrTail: tail, hosts: hostResults()
        )
    }

    /// Each host of the recap: unreachable, failed (a failure `rescue` did not handle) or succeeded.
    func hostResults() -> [String: PlaybookHostResult] {
        var results: [String: PlaybookHostResult] = [:]
        for (host, counts) in stats {
            let status: RunRecord.Status = counts.unreachable > 0 ? .unreachable : counts.failures > 0 ? .failed : .succeeded
            results[host] = PlaybookHostResult(status: status, failedTask: status == .succeeded ? nil : failedTasks[host])
        }
        return results
    }
}
