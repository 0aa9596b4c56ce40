/// Why an Ansible run could not start. A playbook that runs and fails is a `PlaybookResult`, not this.
public struct AnsibleRunnerError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case ansibleNotInstalled
            case playbookNotFound
            case callbackPluginMissing
            case cannotPrepareRun
            case cannotStartProcess
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// `ansible-playbook` is not on PATH (or the configured path is not executable).
        public static let ansibleNotInstalled = Code(.ansibleNotInstalled)
        /// The request's playbook file does not exist.
        public static let playbookNotFound = Code(.playbookNotFound)
        /// `callback_plugins/steward_jsonl.py` is missing from the playbooks directory.
        public static let callbackPluginMissing = Code(.callbackPluginMissing)
        /// The run directory, inventory or extra-vars file could not be written.
        public static let cannotPrepareRun = Code(.cannotPrepareRun)
        /// The process could not be spawned.
        public static let cannotStartProcess = Code(.cannotStartProcess)

        public var description: String { base.rawValue }
    }

    public let code: Code
    /// What happened, where, and what to do; free of secrets.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func ansibleNotInstalled(_ program: String, searched path: String) -> Self {
        Self(
            .ansibleNotInstalled,
            "ansible-playbook not found: '\(program)' is not an executable file"
                + (program.contains("/") ? "" : " on PATH (\(path))")
                + ". Install Ansible with `apt-get install ansible-core` (Debian/Ubuntu) or `pipx install ansible-core`."
        )
    }

    static func playbookNotFound(_ playbook: String) -> Self {
        Self(.playbookNotFound, "playbook \(playbook) does not exist; check the project's deploy.playbook setting")
    }

    static func callbackPluginMissing(_ path: String) -> Self {
        Self(
            .callbackPluginMissing,
            "Steward's Ansible callback plugin is missing at \(path); point the runner at Steward's playbooks/ directory"
        )
    }

    static func cannotPrepareRun(_ path: String, _ reason: String) -> Self {
        Self(.cannotPrepareRun, "cannot prepare the Ansible run in \(path): \(reason); check that the state directory is writable")
    }

    static func cannotStartProcess(_ program: String, _ reason: String) -> Self {
        Self(.cannotStartProcess, "cannot start \(program): \(reason)")
    }
}
