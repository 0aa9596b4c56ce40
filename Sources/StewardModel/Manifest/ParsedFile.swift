/// The result of parsing one file: the valid documents and every problem. Cached by blob id.
public struct ParsedFile: Sendable, Hashable, Codable {
    public var projects: [ProjectManifest]
    public var servers: [ServerManifest]
    /// Present when the file is `steward.yaml` and its settings document is valid.
    public var settings: Settings?
    public var diagnostics: [Diagnostic]

    public init(
        projects: [ProjectManifest] = [], servers: [ServerManifest] = [], settings: Settings? = nil,
        diagnostics: [Diagnostic] = []
    ) {
        self.projects = projects
        self.servers = servers
        self.settings = settings
        self.diagnostics = diagnostics
    }
}
