import StewardModel

/// A deploy whose ports, `deploying` phase and run record (`running`) are saved: what its playbook run needs.
struct PreparedDeploy: Sendable {
    var plan: DeployPlan
    var port: Int
    var hash: String
    /// Absolute path of the playbook file.
    var playbookPath: String
    /// The server's inventory host.
    var host: InventoryHost
    /// The playbook's variables for this project (`repo_info`, `env_content` with secrets, ports, …).
    var vars: [String: JSONValue]
    /// Secret values in `vars`, redacted from every output.
    var secrets: [String]
    /// Its run record, begun (with an id) before the process starts.
    var run: RunRecord
}
