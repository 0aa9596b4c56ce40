import StewardModel

/// Everything a deploy depends on. Its hash decides whether a deploy runs: unchanged inputs since the last
/// success cost zero `ansible-playbook` processes.
public struct DeployInputs: Sendable, Hashable, Codable {
    public var playbook: PlaybookSource
    public var cloneURL: String
    public var commit: String
    public var server: String
    /// Hash of the server's spec (address, user, connection…) and, for SSH servers, its deploy-relevant facts
    /// (see `serverInputs`).
    public var serverSpecHash: String
    public var port: Int
    /// Hash of the project's spec: repo, ref, deploy settings, the `.env` template. Secret versions join it
    /// with the secret store.
    public var projectSpecHash: String
    /// `NAME=version` of the secrets the env references: a new secret value redeploys.
    public var secretVersions: String
    /// blue/green: the two slot ports behind the public `port`; empty for recreate.
    public var slotPorts: [Int] = []

    /// SHA-256 over every input, one field per line. Computed for every deployed project on every plan, so it
    /// avoids JSON encoding (10,000 projects: ~15 ms instead of ~0.4 s).
    public var hash: String {
        Self.hash(
            playbook: playbook, cloneURL: cloneURL, commit: commit, server: server, serverSpecHash: serverSpecHash,
            port: port, projectSpecHash: projectSpecHash, secretVersions: secretVersions, slotPorts: slotPorts)
    }

    /// The inputs one by one, as a deploy's run records them (`RunRecord.inputs`) and `steward diff` compares them.
    public var components: [String: String] {
        [
            "playbook": "\(playbook.playbook) (\(playbook.origin.rawValue)) tree \(playbook.treeHash)", "cloneURL": cloneURL,
            "commit": commit, "server": server, "serverInputs": serverSpecHash, "port": String(port),
            "projectSpecHash": projectSpecHash, "secretVersions": secretVersions,
            "slotPorts": slotPorts.map(String.init).joined(separator: ","),
        ]
    }

    /// What a deploy depends on of its server: the spec's hash and, for SSH servers, the facts that matter
    /// (`ServerFacts.deployFingerprint`). A local server is this machine; its facts are not inputs.
    public static func serverInputs(specHash: String, connection: ServerSpec.Connection, facts: ServerFacts?) -> String {
        guard connection == .ssh, let facts else { return specHash }
        return specHash + " facts " + facts.deployFingerprint
    }

    /// The canonical `NAME=version` list of the referenced secrets.
    public static func secretVersions(_ references: [String], _ versions: [String: Int]) -> String {
        references.sorted().map { "\($0)=\(versions[$0] ?? 0)" }.joined(separator: ",")
    }

    /// The same hash without building the value (the planner's hot path).
    public static func hash(
        playbook: PlaybookSource, cloneURL: String, commit: String, server: String, serverSpecHash: String, port: Int,
        projectSpecHash: String, secretVersions: String, slotPorts: [Int] = []
    ) -> String {
        var text = "steward-deploy-inputs-v1\n"
        text.reserveCapacity(512)
        for field in [playbook.playbook, playbook.origin.rawValue, playbook.treeHash, cloneURL, commit, server, serverSpecHash,
                      String(port), projectSpecHash, secretVersions] {
            text += field
            text += "\n"
        }
        // Only present for blue/green, so the hashes of recreate deploys stay what earlier versions recorded.
        if !slotPorts.isEmpty { text += "slots \(slotPorts.map(String.init).joined(separator: ","))\n" }
        return SHA256Digest.hex(text)
    }
}
