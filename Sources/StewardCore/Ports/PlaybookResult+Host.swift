import StewardModel

extension PlaybookResult {
    /// The part of a run that concerns one of its hosts, as if that host had had a run of its own.
    ///
    /// A run of several projects (one inventory host each) ends with one process status; each project's
    /// record gets its own from the recap: a host whose tasks all went through `succeeded` even when another
    /// host failed (exit 2) or was unreachable (exit 4). A timeout or an interruption stops every host, and a
    /// run that ended before its recap (a parse error, a crash) failed for every host it has no result for.
    /// - Parameters:
    ///   - host: the inventory host name in the run.
    ///   - name: the name its tasks are reported under (the server, for a project's alias).
    public func result(forHost host: String, reportedAs name: String? = nil) -> PlaybookResult {
        let shown = name ?? host
        let own = tasks.filter { $0.host == host }.map { task in
            var task = task
            task.host = shown
            return task
        }
        switch status {
        case .timedOut, .interrupted, .running:
            return PlaybookResult(status: status, exitCode: exitCode, tasks: own, stderrTail: stderrTail)
        case .succeeded:
            return PlaybookResult(status: .succeeded, exitCode: exitCode, tasks: own)
        case .failed, .unreachable:
            guard let recap = hosts[host] else {
                return PlaybookResult(
                    status: status, exitCode: exitCode, tasks: own, failedTask: failedHost == host ? failedTask : nil,
                    failedHost: failedHost == host ? shown : nil, stderrTail: stderrTail)
            }
            return PlaybookResult(
                status: recap.status, exitCode: recap.status == .succeeded ? 0 : exitCode, tasks: own,
                failedTask: recap.failedTask, failedHost: recap.status == .succeeded ? nil : shown)
        }
    }
}
