import StewardModel

/// Everything a deploy depends on. Its hash decides whether a deploy runs: unchanged inputs since the last
/// success cost zero `ansible-playbook` processes.
public struct DeployInputs: Sendable, Hashable, Codable {
    public var playbook: PlaybookSource
    public var repo: String
    public var cloneURL: String
    public var commit: String
    public var server: String
    /// Hash of the server's spec (address, user, connection…); server facts join it with server_sync.
    public var serverSpecHash: String
    public var port: Int
    public var healthPath: String
    public var command: String?
    public var strategy: ProjectSpec.Deploy.Strategy
    /// Hash of the `.env` template (secret versions join it with the secret store).
    public var envHash: String

    /// SHA-256 of the canonical JSON of all inputs.
    public var hash: String { CanonicalJSON.hash(self) }
}
