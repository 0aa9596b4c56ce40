import Foundation
import StewardCore
import StewardModel

/// Runs playbooks with the real `ansible-playbook` (implements `PlaybookRunner`).
///
/// Each run gets a private directory under `workDirectory` holding the generated inventory (0600, with each
/// host's private vars), the extra vars (0600, passed as `-e @file`) and Ansible's temp dirs. Both files can
/// hold secrets: Ansible has read them when the playbook starts, and they are deleted then (the run's first
/// event), so they exist only for Ansible's start-up. The directory is removed when the run ends, however it
/// ends, and the next start removes those of a controller that was killed mid-run.
/// The process leads its own process group: a timeout or a cancelled task sends SIGTERM to the
/// whole group, then SIGKILL after `terminationGracePeriod`, and when the run ends nothing of the
/// group is left. (Apps a playbook starts detach into their own session and stay.)
/// Task events are parsed from Steward's `steward_jsonl` callback as lines arrive.
public struct AnsiblePlaybookRunner: PlaybookRunner {
    /// Steward's own playbooks; `callback_plugins/steward_jsonl.py` is loaded from here.
    public let playbooksDirectory: URL
    /// Where per-run directories are created (e.g. `<stateDir>/runs`).
    public let workDirectory: URL
    /// `ansible-playbook`, looked up on PATH unless it contains a `/`.
    public let ansiblePlaybook: String
    /// Time between SIGTERM and SIGKILL when a run is stopped.
    public let terminationGracePeriod: Duration
    /// The environment runs start from; the runner adds its own `ANSIBLE_*` settings on top.
    public let environment: [String: String]

    /// - Parameters:
    ///   - playbooksDirectory: Steward's `playbooks/` (where `callback_plugins/` lives).
    ///   - workDirectory: parent of the per-run directories; created 0700 when missing.
    ///   - ansiblePlaybook: program name or path.
    ///   - terminationGracePeriod: SIGTERM-to-SIGKILL delay on timeout or cancellation.
    ///   - environment: base environment of `ansible-playbook` (PATH, HOME, SSH agent, ssh settings).
    public init(
        playbooksDirectory: URL, workDirectory: URL, ansiblePlaybook: String = "ansible-playbook",
        terminationGracePeriod: Duration = .seconds(10),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.playbooksDirectory = playbooksDirectory
        self.workDirectory = workDirectory
        self.ansiblePlaybook = ansiblePlaybook
        self.terminationGracePeriod = terminationGracePeriod
        self.environment = environment
        // Every start cleans up after a controller that was killed: leftover processes and files with secrets.
        PlaybookRunDirectory.removeAbandoned(in: workDirectory)
    }

    /// The path of a playbook Steward ships, e.g. `bundledPlaybook("deploy_project.yml")`.
    public func bundledPlaybook(_ name: String) -> String {
        playbooksDirectory.appendingPathComponent(name).path
    }

    /// Runs the playbook; see `PlaybookRunner.run`.
    ///
    /// Exit 0 is `succeeded`; 4 with an unreachable host is `unreachable`; anything else is `failed`,
    /// naming the first failed task and host (failures under `ignore_errors` do not count). A timeout
    /// is `timedOut`; a cancelled task ends the run as `interrupted`.
    /// - Throws: ``AnsibleRunnerError`` when the run cannot start.
    public func run(
        _ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void
    ) async throws -> PlaybookResult {
        let redactor = SecretRedactor(secrets: request.secrets)
        let executable = try locateAnsiblePlaybook()
        try checkInputs(request)
        PlaybookRunDirectory.removeAbandoned(in: workDirectory)
        let directory: PlaybookRunDirectory
        do {
            directory = try PlaybookRunDirectory.create(in: workDirectory)
        } catch {
            throw AnsibleRunnerError.cannotPrepareRun(workDirectory.path, error.description)
        }
        defer { directory.remove() }

        let invocation = try prepare(request, in: directory, executable: executable)
        let launch = ProcessLaunch(
            executable: invocation.executable, arguments: invocation.arguments,
            environment: invocation.environment, workingDirectory: invocation.runDirectory.path
        )
        let child: ProcessGroupChild
        do {
            // The run's whole group dies with this process, even on SIGKILL: an orphaned ansible-playbook would
            // go on deploying beside the next pass's deploy of the same project.
            child = try ProcessGroupChild(launching: launch, dieWithParent: true)
        } catch {
            throw AnsibleRunnerError.cannotStartProcess(executable, redactor.redact("\(error)"))
        }

        let timeout = request.timeout
        let grace = terminationGracePeriod
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // supervise() blocks on poll/read for the whole run: a thread of its own, not the pool's.
                let thread = Thread {
                    let result = Self.supervise(
                        child, timeout: timeout, grace: grace, redactor: redactor,
                        onStart: { directory.removeSecretInputs() }, onTask: onTask)
                    continuation.resume(returning: result)
                }
                thread.name = "steward-ansible-\(child.pid)"
                thread.start()
            }
        } onCancel: {
            child.cancel()
        }
    }

    /// Writes the inventory and extra-vars files of `request` into `directory`.
    /// - Returns: the invocation that uses them.
    /// - Throws: ``AnsibleRunnerError`` when a file cannot be written.
    func prepare(
        _ request: PlaybookRequest, in directory: PlaybookRunDirectory, executable: String
    ) throws -> PlaybookInvocation {
        let inventory = AnsibleInventory(
            hosts: request.hosts, moduleTemporaryDirectory: directory.remoteTemporaryDirectory.path,
            privateVars: request.hostVars
        )
        do {
            try directory.writePrivateFile(directory.inventoryFile, try inventory.rendered())
            try directory.writePrivateFile(
                directory.extraVarsFile, Data(try ExtraVarsDocument.render(request.extraVars).utf8)
            )
        } catch {
            throw AnsibleRunnerError.cannotPrepareRun(directory.url.path, "\(error)")
        }
        let invocation = invocation(for: request, in: directory, executable: executable)
        if invocation.environment["ANSIBLE_CONFIG"] == directory.configFile.path {
            do {
                try directory.writePrivateFile(directory.configFile, Data(Self.ownConfig.utf8))
            } catch {
                throw AnsibleRunnerError.cannotPrepareRun(directory.url.path, "\(error)")
            }
        }
        return invocation
    }

    /// The argv and environment of a run whose files live in `directory`.
    func invocation(
        for request: PlaybookRequest, in directory: PlaybookRunDirectory, executable: String
    ) -> PlaybookInvocation {
        let callbacks = playbooksDirectory.appendingPathComponent("callback_plugins").path
        var environment = self.environment
        environment["ANSIBLE_STDOUT_CALLBACK"] = "steward_jsonl"
        environment["ANSIBLE_CALLBACK_PLUGINS"] = [callbacks, environment["ANSIBLE_CALLBACK_PLUGINS"]]
            .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        environment["ANSIBLE_NOCOLOR"] = "1"
        environment["ANSIBLE_FORCE_COLOR"] = nil
        environment["ANSIBLE_RETRY_FILES_ENABLED"] = "0"
        environment["ANSIBLE_HOST_KEY_CHECKING"] = "True"
        environment["ANSIBLE_LOCAL_TEMP"] = directory.localTemporaryDirectory.path
        // Only the generated inventory is read, and a file Ansible cannot parse fails the run instead
        // of running against no hosts.
        environment["ANSIBLE_INVENTORY_ENABLED"] = "yaml"
        environment["ANSIBLE_INVENTORY_UNPARSED_FAILED"] = "True"
        environment["PYTHONUNBUFFERED"] = "1"
        if usesOwnConfig { environment["ANSIBLE_CONFIG"] = directory.configFile.path }
        if let strategy = request.strategy { environment["ANSIBLE_STRATEGY"] = strategy }
        // Ansible's default minus `-C`: compressing SSH traffic to a server costs CPU on both ends and saves
        // nothing on the links Steward deploys over (modules are a few KB). Multiplexing stays on.
        if environment["ANSIBLE_SSH_ARGS"] == nil {
            environment["ANSIBLE_SSH_ARGS"] = "-o ControlMaster=auto -o ControlPersist=60s"
        }
        let forks = request.forks.map { ["--forks", String(max(1, $0))] } ?? []
        let check = request.checkMode ? ["--check", "--diff"] : []
        return PlaybookInvocation(
            executable: executable,
            arguments: [
                executable, "-i", directory.inventoryFile.path, "-e", "@" + directory.extraVarsFile.path,
            ] + forks + check + [request.playbook],
            environment: environment, runDirectory: directory.url, inventoryFile: directory.inventoryFile,
            extraVarsFile: directory.extraVarsFile
        )
    }

    /// The run's `ansible.cfg` when Ansible would find no other: Ansible's strategy loops poll their workers
    /// every `internal_poll_interval` (1 ms by default), which on a small controller costs a noticeable share of
    /// a run's CPU for no gain (a task's result is seen 10 ms later at most). The setting has no environment
    /// variable.
    static let ownConfig = "# Written by Steward for this run only.\n[defaults]\ninternal_poll_interval = 0.01\n"

    /// Whether runs use ``ownConfig``: only when no `ANSIBLE_CONFIG`, `~/.ansible.cfg` or
    /// `/etc/ansible/ansible.cfg` would configure Ansible (a user's own configuration is never shadowed).
    public var usesOwnConfig: Bool {
        guard environment["ANSIBLE_CONFIG"] == nil else { return false }
        let home = (environment["HOME"] ?? NSHomeDirectory()) + "/.ansible.cfg"
        return ![home, "/etc/ansible/ansible.cfg"].contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// The absolute path of `ansible-playbook`.
    /// - Throws: ``AnsibleRunnerError/Code/ansibleNotInstalled`` with what to install.
    public func locateAnsiblePlaybook() throws -> String {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let candidates = ansiblePlaybook.contains("/")
            ? [ansiblePlaybook]
            : path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(ansiblePlaybook).path }
        for candidate in candidates {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        throw AnsibleRunnerError.ansibleNotInstalled(ansiblePlaybook, searched: path)
    }

    private func checkInputs(_ request: PlaybookRequest) throws {
        let names = Set(request.hosts.map(\.name))
        for host in request.hostVars.keys {
            guard names.contains(host) else {
                throw AnsibleRunnerError.cannotPrepareRun(
                    host, "host vars are given for \"\(host)\", which is not a host of the run's inventory")
            }
        }
        guard FileManager.default.fileExists(atPath: request.playbook) else {
            throw AnsibleRunnerError.playbookNotFound(request.playbook)
        }
        let plugin = playbooksDirectory.appendingPathComponent("callback_plugins/steward_jsonl.py").path
        guard FileManager.default.fileExists(atPath: plugin) else {
            throw AnsibleRunnerError.callbackPluginMissing(plugin)
        }
    }

    /// Reads the run to its end on the calling thread and builds its result.
    /// - Parameter onStart: called once, when the playbook starts (Ansible has read its inventory and extra vars).
    private static func supervise(
        _ child: ProcessGroupChild, timeout: Duration, grace: Duration, redactor: SecretRedactor,
        onStart: () -> Void, onTask: @Sendable (TaskEvent) -> Void
    ) -> PlaybookResult {
        let parser = AnsibleEventParser(redactor: redactor)
        var lines = LineSplitter()
        var outcome = PlaybookOutcome()
        var diagnostics = OutputTail()

        var started = false
        func handle(_ line: String) {
            if let event = parser.parse(line) {
                if !started, case .playbookStart = event {
                    started = true
                    onStart()
                }
                if let task = outcome.record(event) { onTask(task) }
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                // Not from the callback (a plugin printing directly): keep it for the error report.
                diagnostics.append(Array((line + "\n").utf8))
            }
        }

        let ending = child.supervise(
            timeout: timeout, grace: grace,
            onStdout: { chunk in lines.append(chunk).forEach(handle) },
            onStderr: { chunk in diagnostics.append(chunk) }
        )
        if let last = lines.finish() { handle(last) }

        let exit: PlaybookExit
        switch (ending.stopReason, ending.termination) {
        case (.timeout?, _): exit = .timedOut
        case (.cancellation?, _): exit = .cancelled
        case (nil, .exited(let code)): exit = .exited(code)
        case (nil, .signaled(let signal)): exit = .signaled(signal)
        }
        return outcome.result(exit: exit, stderrTail: diagnostics.text(redactor: redactor))
    }
}
