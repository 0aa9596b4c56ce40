import Foundation
import StewardModel

/// One host of a generated inventory.
public struct InventoryHost: Sendable, Hashable, Codable {
    public var name: String
    public var address: String
    public var port: Int
    public var user: String
    public var connection: ServerSpec.Connection
    /// Extra host vars (never secrets: those go to the extra-vars file only).
    public var vars: [String: JSONValue]

    public init(
        name: String, address: String, port: Int = 22, user: String = "deploy",
        connection: ServerSpec.Connection = .ssh, vars: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.address = address
        self.port = port
        self.user = user
        self.connection = connection
        self.vars = vars
    }
}

/// Everything one `ansible-playbook` run needs.
public struct PlaybookRequest: Sendable {
    /// Absolute path of the playbook file.
    public var playbook: String
    public var hosts: [InventoryHost]
    /// Written to a 0600 file passed as `-e @file`, deleted afterwards. Secrets go only here.
    public var extraVars: [String: JSONValue]
    public var timeout: Duration
    /// Values that must never appear in logs or stored task messages (redacted to `***`).
    public var secrets: [String]
    /// Private vars of each host, by host name: written 0600 like the extra vars (beside the host in the run's
    /// inventory, never templated), so one run can deploy several projects, each with its own `repo_info`,
    /// `env_content` and ports. Extra vars override them, so a batch puts per-project values only here.
    public var hostVars: [String: [String: JSONValue]]
    /// How many hosts Ansible works on at once (`--forks`); nil keeps Ansible's default (5).
    public var forks: Int?
    /// Ansible's play strategy (`ANSIBLE_STRATEGY`), e.g. `free` so each host of a batch runs its tasks
    /// without waiting for the others; nil keeps the playbook's own (`linear` by default).
    public var strategy: String?
    /// `--check --diff`: nothing changes on the hosts; changed tasks say what a real run would change (their
    /// ``TaskEvent/diff``). Steward's drift check.
    public var checkMode: Bool

    public init(
        playbook: String, hosts: [InventoryHost], extraVars: [String: JSONValue] = [:],
        timeout: Duration = .seconds(900), secrets: [String] = [], hostVars: [String: [String: JSONValue]] = [:],
        forks: Int? = nil, strategy: String? = nil, checkMode: Bool = false
    ) {
        self.checkMode = checkMode
        self.playbook = playbook
        self.hosts = hosts
        self.extraVars = extraVars
        self.timeout = timeout
        self.secrets = secrets
        self.hostVars = hostVars
        self.forks = forks
        self.strategy = strategy
    }
}

/// How one host of a run ended, from Ansible's recap (`PLAY RECAP`).
public struct PlaybookHostResult: Sendable, Hashable {
    /// `succeeded`, `failed` (a task failed outside `ignore_errors`) or `unreachable`.
    public var status: RunRecord.Status
    /// The first task that failed (or found the host unreachable) on this host.
    public var failedTask: String?

    public init(status: RunRecord.Status, failedTask: String? = nil) {
        self.status = status
        self.failedTask = failedTask
    }
}

/// How one run ended.
public struct PlaybookResult: Sendable, Hashable {
    public var status: RunRecord.Status
    public var exitCode: Int?
    public var tasks: [TaskEvent]
    public var failedTask: String?
    public var failedHost: String?
    /// Last lines of stderr (redacted), for errors that happen before any task runs.
    public var stderrTail: String
    /// Each host's own outcome, for the hosts the recap names (empty when the run ended before it).
    public var hosts: [String: PlaybookHostResult]

    public init(
        status: RunRecord.Status, exitCode: Int?, tasks: [TaskEvent], failedTask: String? = nil,
        failedHost: String? = nil, stderrTail: String = "", hosts: [String: PlaybookHostResult] = [:]
    ) {
        self.status = status
        self.exitCode = exitCode
        self.tasks = tasks
        self.failedTask = failedTask
        self.failedHost = failedHost
        self.stderrTail = stderrTail
        self.hosts = hosts
    }
}

/// Runs Ansible playbooks (implemented by StewardAnsible; faked in unit tests).
public protocol PlaybookRunner: Sendable {
    /// Runs the playbook and streams each task event to `onTask` as it happens.
    /// - Throws: only when the run cannot start (ansible-playbook missing, files unwritable);
    ///   a failing playbook is a `PlaybookResult` with status `failed`.
    func run(_ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void) async throws -> PlaybookResult
}
