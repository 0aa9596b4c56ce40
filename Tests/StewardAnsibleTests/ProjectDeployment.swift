import Foundation
import Glibc
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// One project deployed with the real `deploy_project.yml` / `remove_project.yml`: a git repository of
/// the quickstart app, the real ansible-playbook, by default onto this machine (local connection) into a
/// private apps dir whose parent also holds the deploy user's nginx (`work/apps`, `work/nginx`). Locally
/// it stops whatever it started when it goes away; on a remote host the test runs `remove()`.
final class ProjectDeployment: @unchecked Sendable {
    let work: TemporaryDirectory
    let repository: GitFixture
    let runner: AnsiblePlaybookRunner
    let host: InventoryHost
    let appsDirectory: URL
    let project: String
    /// The public port (recreate: the app's; blueGreen: nginx's).
    let port: Int
    let slotPorts: (blue: Int, green: Int)

    /// - Parameter host: nil for this machine; a remote host uses the playbooks' default apps dir
    ///   (`~/.steward/apps` of the deploy user there).
    init(project: String = "quickstart", host: InventoryHost? = nil) async throws {
        work = try TemporaryDirectory(prefix: "steward-deploy")
        repository = try await GitFixture()
        runner = AnsibleTestSupport.runner(work: work)
        self.host = host ?? AnsibleTestSupport.localHost()
        appsDirectory = work.url.appendingPathComponent("apps")
        self.project = project
        let ports = try AnsibleTestSupport.reservedPorts(3)
        port = ports[0]
        slotPorts = (ports[1], ports[2])
        for name in try FileManager.default.contentsOfDirectory(atPath: AnsibleTestSupport.quickstartApp.path) {
            let text = try String(contentsOf: AnsibleTestSupport.quickstartApp.appendingPathComponent(name), encoding: .utf8)
            try repository.write(name, text)
        }
    }

    var isLocal: Bool { host.connection == .local }
    var projectDirectory: URL { appsDirectory.appendingPathComponent(project) }
    var pidFile: String { projectDirectory.appendingPathComponent("supervisor.pid").path }
    var nginxPrefix: URL { work.url.appendingPathComponent("nginx") }
    var siteFile: String { nginxPrefix.appendingPathComponent("sites/\(project).conf").path }

    func slotPidFile(_ slot: String) -> String {
        projectDirectory.appendingPathComponent("slots/\(slot)/supervisor.pid").path
    }

    /// Rewrites `app.py` of the work tree with `change` applied (not committed).
    func editApp(_ change: (String) -> String) throws {
        let appFile = URL(fileURLWithPath: repository.workTree).appendingPathComponent("app.py")
        try repository.write("app.py", change(try String(contentsOf: appFile, encoding: .utf8)))
    }

    /// Commits the app with `VERSION = "version"`. - Returns: the commit id.
    func commitVersion(_ version: String) async throws -> String {
        try editApp { $0.replacingOccurrences(of: #"VERSION = "[^"]*""#, with: "VERSION = \"\(version)\"", options: .regularExpression) }
        return try await repository.commit("quickstart app v\(version)")
    }

    /// A git bundle of HEAD (`# v2 git bundle`, one ref), as the controller sends to servers without forge access.
    func bundle() async throws -> String {
        let path = work.url.appendingPathComponent("source-\(UUID().uuidString.prefix(8)).bundle").path
        try await run(["git", "bundle", "create", "-q", path, "HEAD"], in: repository.workTree)
        return path
    }

    func deploy(
        commit: String, env: String = "", command: String = "", strategy: String = "recreate",
        cloneURL: String? = nil, bundle: String? = nil, extra: [String: JSONValue] = [:], secrets: [String] = [],
        checkMode: Bool = false
    ) async throws -> PlaybookResult {
        var repoInfo: [String: JSONValue] = [
            "clone_url": .string(cloneURL ?? repository.fileURL), "commit": .string(commit), "repo": .string(project),
        ]
        if let bundle { repoInfo["bundle"] = .string(bundle) }
        var vars: [String: JSONValue] = [
            "project_name": .string(project),
            "repo_info": .object(repoInfo),
            "server_info": .object(["name": .string(host.name), "address": .string(host.address), "port": .int(host.port)]),
            "app_port": .int(port),
            "slot_ports": .object(["blue": .int(slotPorts.blue), "green": .int(slotPorts.green)]),
            "health_path": .string("/health"),
            "app_command": .string(command),
            "env_content": .string(env),
            "deploy_strategy": .string(strategy),
            "input_hash": .string("hash-\(commit.prefix(8))"),
        ]
        if isLocal { vars["steward_apps_dir"] = .string(appsDirectory.path) }
        vars.merge(extra) { _, new in new }
        return try await runner.run(
            PlaybookRequest(
                playbook: runner.bundledPlaybook("deploy_project.yml"), hosts: [host], extraVars: vars,
                timeout: .seconds(240), secrets: secrets, checkMode: checkMode
            )
        ) { _ in }
    }

    func remove() async throws -> PlaybookResult {
        var vars: [String: JSONValue] = ["project_name": .string(project)]
        if isLocal { vars["steward_apps_dir"] = .string(appsDirectory.path) }
        return try await runner.run(
            PlaybookRequest(playbook: runner.bundledPlaybook("remove_project.yml"), hosts: [host], extraVars: vars)
        ) { _ in }
    }

    func marker() throws -> [String: JSONValue] {
        let data = try Data(contentsOf: projectDirectory.appendingPathComponent("deployed.json"))
        guard case .object(let marker) = try JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
        return marker
    }

    /// The supervisor's pid from a pid file (the recreate instance's by default), when the file names one.
    func supervisorPid(_ file: String? = nil) -> Int? {
        guard let data = FileManager.default.contents(atPath: file ?? pidFile),
              case .object(let info) = try? JSONDecoder().decode(JSONValue.self, from: data),
              case .int(let pid) = info["pid"]
        else { return nil }
        return pid
    }

    /// The pid of this deployment's nginx master, when its pid file names a live nginx master.
    func nginxMasterPid() -> Int32? {
        guard let text = try? String(contentsOf: nginxPrefix.appendingPathComponent("nginx.pid"), encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              ProcessTable.isAlive(pid),
              let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"),
              String(decoding: command, as: UTF8.self).hasPrefix("nginx: master process")
        else { return nil }
        return pid
    }

    /// Live processes started for this deployment: supervisors, apps (by their work dir) and its nginx.
    func liveProcesses() -> [Int32] {
        let byArgument = ProcessTable.processes(withArgument: work.url.path).map(\.pid).filter(ProcessTable.isAlive)
        return Array(Set(byArgument + ProcessTable.processes(workingIn: work.url.path))).sorted()
    }

    deinit {
        // Runs even when an expectation failed: never leave an app or nginx process behind.
        guard isLocal else { return }
        let files = AnsibleTestSupport.playbooksDirectory.appendingPathComponent("files").path
        for pidFile in [pidFile, slotPidFile("blue"), slotPidFile("green")] {
            _ = try? runBlocking(["python3", files + "/steward_supervise.py", "stop", "--pid-file", pidFile, "--timeout", "3"])
        }
        _ = try? runBlocking(["python3", files + "/steward_proxy.py", "stop", "--prefix", nginxPrefix.path, "--timeout", "3"])
    }
}
