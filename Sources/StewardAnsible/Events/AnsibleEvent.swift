import StewardModel

/// One line of Steward's `steward_jsonl` callback (`playbooks/callback_plugins/steward_jsonl.py`).
public enum AnsibleEvent: Sendable, Hashable {
    /// The final result of one task on one host.
    public struct HostResult: Sendable, Hashable {
        public var host: String
        public var task: String
        public var status: TaskEvent.Status
        public var durationMs: Int
        /// Why it failed or was unreachable; Ansible's censored text for `no_log` tasks.
        public var message: String?
        /// A failure the task tolerates (`ignore_errors: true`): it does not fail the run.
        public var ignoreErrors: Bool
        /// What a changed task changed (or in check mode would change), when the run asked for `--diff`.
        public var diff: String?

        public init(
            host: String, task: String, status: TaskEvent.Status, durationMs: Int, message: String? = nil,
            ignoreErrors: Bool = false, diff: String? = nil
        ) {
            self.host = host
            self.task = task
            self.status = status
            self.durationMs = durationMs
            self.message = message
            self.ignoreErrors = ignoreErrors
            self.diff = diff
        }

        /// The record the controller stores and streams.
        public var taskEvent: TaskEvent {
            TaskEvent(host: host, task: task, status: status, durationMs: durationMs, message: message, diff: diff)
        }
    }

    /// The result of one loop item; the task's own `HostResult` follows the last item.
    public struct ItemResult: Sendable, Hashable {
        public var host: String
        public var task: String
        /// The item's label, `(censored)` under `no_log`.
        public var item: String
        public var status: TaskEvent.Status
        public var durationMs: Int
        public var message: String?

        public init(
            host: String, task: String, item: String, status: TaskEvent.Status, durationMs: Int,
            message: String? = nil
        ) {
            self.host = host
            self.task = task
            self.item = item
            self.status = status
            self.durationMs = durationMs
            self.message = message
        }
    }

    /// Per-host totals from the play recap.
    public struct HostStats: Sendable, Hashable {
        public var ok: Int
        public var changed: Int
        public var unreachable: Int
        public var failures: Int
        public var skipped: Int
        public var rescued: Int
        public var ignored: Int

        public init(
            ok: Int = 0, changed: Int = 0, unreachable: Int = 0, failures: Int = 0, skipped: Int = 0,
            rescued: Int = 0, ignored: Int = 0
        ) {
            self.ok = ok
            self.changed = changed
            self.unreachable = unreachable
            self.failures = failures
            self.skipped = skipped
            self.rescued = rescued
            self.ignored = ignored
        }
    }

    case playbookStart(playbook: String)
    case playStart(name: String)
    case taskStart(name: String, handler: Bool)
    case hostResult(HostResult)
    case itemResult(ItemResult)
    /// An `until` loop is about to try again.
    case retry(host: String, task: String, attempt: Int, retries: Int)
    /// A play's host pattern matched nothing.
    case noHostsMatched
    /// Every host of a play has failed; the play stops.
    case noHostsRemaining
    case stats([String: HostStats])
    /// An event kind this parser does not know (a newer callback plugin); ignored by the runner.
    case unknown(kind: String)

    /// The task event to stream and store, for final per-host results only.
    public var taskEvent: TaskEvent? {
        if case .hostResult(let result) = self { return result.taskEvent }
        return nil
    }
}
