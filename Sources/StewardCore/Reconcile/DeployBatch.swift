import StewardModel

/// Deploys of one playbook run by one `ansible-playbook` process.
///
/// One deploy runs as before: the server is the inventory host and the project's variables are extra vars.
/// Several deploys run as one inventory host each, named after its project (`ansible_host` = its server, so
/// two projects on one server are two hosts), with the project's variables as that host's private vars (extra
/// vars would override them, so a batch has none) and strategy `free`: each project runs its tasks at its own
/// pace, as it would in a process of its own, and a host that fails or cannot be reached stops only itself.
/// The controller (Python, the inventory, the playbook) is loaded once instead of once per project.
struct DeployBatch: Sendable {
    var deploys: [PreparedDeploy]

    init(deploys: [PreparedDeploy]) {
        precondition(!deploys.isEmpty, "a batch holds at least one deploy")
        self.deploys = deploys
    }

    var isBatch: Bool { deploys.count > 1 }

    /// The inventory host name of `deploy` in this run.
    func hostName(of deploy: PreparedDeploy) -> String {
        isBatch ? deploy.plan.project : deploy.host.name
    }

    /// Project by inventory host name.
    var projectsByHost: [String: String] {
        Dictionary(deploys.map { (hostName(of: $0), $0.plan.project) }, uniquingKeysWith: { first, _ in first })
    }

    /// Server name by inventory host name.
    var serversByHost: [String: String] {
        Dictionary(deploys.map { (hostName(of: $0), $0.plan.server.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// The run of all the batch's deploys.
    /// - Parameters:
    ///   - timeout: bounds the whole run, so with several deploys it bounds the batch.
    ///   - forks: hosts worked on at once.
    ///   - checkMode: `--check --diff` (a drift check).
    func request(timeout: Duration, forks: Int, checkMode: Bool = false) -> PlaybookRequest {
        let first = deploys[0]
        guard isBatch else {
            return PlaybookRequest(
                playbook: first.playbookPath, hosts: [first.host], extraVars: first.vars, timeout: timeout,
                secrets: first.secrets, checkMode: checkMode)
        }
        var hosts: [InventoryHost] = []
        var hostVars: [String: [String: JSONValue]] = [:]
        for deploy in deploys {
            var host = deploy.host
            host.name = hostName(of: deploy)
            hosts.append(host)
            hostVars[host.name] = deploy.vars
        }
        return PlaybookRequest(
            playbook: first.playbookPath, hosts: hosts, timeout: timeout, secrets: deploys.flatMap(\.secrets),
            hostVars: hostVars, forks: max(1, forks), strategy: "free", checkMode: checkMode)
    }

    /// `deploy`'s own result from the run's: its tasks (under its server's name), its status from the recap.
    func result(for deploy: PreparedDeploy, in result: PlaybookResult) -> PlaybookResult {
        guard isBatch else { return result }
        return result.result(forHost: hostName(of: deploy), reportedAs: deploy.plan.server.name)
    }
}
