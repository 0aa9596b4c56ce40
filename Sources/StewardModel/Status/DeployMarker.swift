import Foundation

/// What a deploy leaves on its server (`APPS_DIR/PROJECT/deployed.json`, written by `deploy_project.yml` after
/// the health gate passed). server_sync reads the markers back, so a fresh state dir (a CI job) knows what
/// already runs where and does not redeploy it (docs/ARCHITECTURE.md §1).
public struct DeployMarker: Sendable, Hashable, Codable {
    public var project: String
    /// The full commit id that was deployed.
    public var commit: String
    /// `DeployInputs.hash` of that deploy.
    public var inputHash: String
    /// The port the app answers on (for blue/green: the proxy's public port).
    public var port: Int
    public var command: String
    /// `recreate` or `blueGreen`.
    public var strategy: String
    /// blue/green: the slot now serving (`blue` or `green`); nil for recreate.
    public var slot: String?
    /// blue/green: the two slot ports (`{blue: P1, green: P2}`); nil for recreate.
    public var slotPorts: [String: Int]?
    /// When the deploy finished, as the playbook wrote it (ISO 8601, UTC).
    public var time: String

    public init(
        project: String, commit: String, inputHash: String, port: Int, command: String = "", strategy: String = "recreate",
        slot: String? = nil, slotPorts: [String: Int]? = nil, time: String = ""
    ) {
        self.slotPorts = slotPorts
        self.project = project
        self.commit = commit
        self.inputHash = inputHash
        self.port = port
        self.command = command
        self.strategy = strategy
        self.slot = slot
        self.time = time
    }

    private enum CodingKeys: String, CodingKey {
        case project, commit, inputHash = "input_hash", port, command, strategy, slot, slotPorts = "slot_ports", time
    }
}
