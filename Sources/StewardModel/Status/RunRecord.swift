import Foundation

/// One task result from an Ansible run, parsed from Steward's JSON-lines callback.
public struct TaskEvent: Sendable, Hashable, Codable {
    /// The outcome of a task on a host.
    public enum Status: String, Sendable, Hashable, Codable {
        case ok
        case changed
        case failed
        case skipped
        case unreachable
    }

    public var host: String
    public var task: String
    public var status: Status
    public var durationMs: Int
    /// Ansible's message for failed or unreachable tasks (`msg`), already free of `no_log` data.
    public var message: String?
    /// What the task changed, or in check mode would change, as unified text (runs with `--diff` only: drift
    /// checks); secrets redacted, `.env` values never included.
    public var diff: String?

    public init(host: String, task: String, status: Status, durationMs: Int, message: String? = nil, diff: String? = nil) {
        self.host = host
        self.task = task
        self.status = status
        self.durationMs = durationMs
        self.message = message
        self.diff = diff
    }

    public var changed: Bool { status == .changed }
}

/// One `ansible-playbook` run, recorded before it starts and after it ends (crash safety).
public struct RunRecord: Sendable, Hashable, Codable {
    /// Where a run stands.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Recorded before the process starts; still `running` after a crash means it was interrupted.
        case running
        case succeeded
        case failed
        case unreachable
        case timedOut = "timed_out"
        /// Found `running` at startup: the controller died during the run.
        case interrupted
    }

    public var id: Int64?
    /// What the run did: `deploy`, `remove` (a pruned project), `bootstrap` or `provision` (a server).
    public var kind: String
    public var project: String?
    public var server: String?
    public var playbook: String
    public var inputHash: String
    public var commit: String?
    public var status: Status
    public var exitCode: Int?
    public var failedTask: String?
    public var failedHost: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var tasks: [TaskEvent]
    /// A deploy's inputs one by one (`DeployInputs.components`: playbook tree, commit, server inputs, port, spec hash,
    /// secret versions, slots), so `steward diff` can name which of them changed since; nil for other runs and for
    /// deploys recorded before Steward kept them.
    public var inputs: [String: String]?

    public init(
        id: Int64? = nil, kind: String, project: String? = nil, server: String? = nil, playbook: String,
        inputHash: String, commit: String? = nil, status: Status = .running, exitCode: Int? = nil,
        failedTask: String? = nil, failedHost: String? = nil, startedAt: Date, finishedAt: Date? = nil,
        tasks: [TaskEvent] = [], inputs: [String: String]? = nil
    ) {
        self.inputs = inputs
        self.id = id
        self.kind = kind
        self.project = project
        self.server = server
        self.playbook = playbook
        self.inputHash = inputHash
        self.commit = commit
        self.status = status
        self.exitCode = exitCode
        self.failedTask = failedTask
        self.failedHost = failedHost
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.tasks = tasks
    }
}

/// One reconcile pass: which config commit it used and how it ended.
public struct ReconcileRecord: Sendable, Hashable, Codable {
    /// How a reconcile ended; maps to the CLI's exit code (0, 2, 1).
    public enum Result: String, Sendable, Hashable, Codable {
        case running
        case converged
        case progressing
        case failed
    }

    public var id: Int64?
    public var commit: String?
    public var ref: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var result: Result
    public var actions: Int
    public var errors: Int
    /// Digest of what a complete pass (all projects, not a dry run) observed outside the manifests and
    /// records: repo commits, servers, playbooks, settings. Nil for partial or unfinished passes.
    public var worldDigest: String?

    public init(
        id: Int64? = nil, commit: String?, ref: String, startedAt: Date, finishedAt: Date? = nil,
        result: Result = .running, actions: Int = 0, errors: Int = 0, worldDigest: String? = nil
    ) {
        self.worldDigest = worldDigest
        self.id = id
        self.commit = commit
        self.ref = ref
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.result = result
        self.actions = actions
        self.errors = errors
    }
}
