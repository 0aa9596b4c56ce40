/// `metadata` of a manifest.
public struct Metadata: Sendable, Hashable, Codable {
    /// DNS label (RFC 1123), unique per kind.
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String] = [:]) {
        self.name = name
        self.labels = labels
    }
}

/// A decoded `kind: Project` document with where it came from.
public struct ProjectManifest: Sendable, Hashable, Codable {
    public var metadata: Metadata
    public var spec: ProjectSpec
    /// Where the document starts.
    public var location: SourceLocation
    /// Where some fields' values are (`spec.server`, `spec.deploy.playbook`), for cross-file errors.
    public var fieldLocations: [String: SourceLocation]
    /// SHA-256 of the canonical spec, computed once when parsed (planning compares it, never re-encodes).
    public var specHash: String

    public init(
        metadata: Metadata, spec: ProjectSpec, location: SourceLocation, fieldLocations: [String: SourceLocation] = [:],
        specHash: String? = nil
    ) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.fieldLocations = fieldLocations
        self.specHash = specHash ?? CanonicalJSON.hash(spec)
    }

    public var name: String { metadata.name }
}

/// A decoded `kind: Server` document with where it came from.
public struct ServerManifest: Sendable, Hashable, Codable {
    public var metadata: Metadata
    public var spec: ServerSpec
    /// Where the document starts.
    public var location: SourceLocation
    /// Where some fields' values are (`spec.server`, `spec.deploy.playbook`), for cross-file errors.
    public var fieldLocations: [String: SourceLocation]
    /// SHA-256 of the canonical spec, computed once when parsed (planning compares it, never re-encodes).
    public var specHash: String

    public init(
        metadata: Metadata, spec: ServerSpec, location: SourceLocation, fieldLocations: [String: SourceLocation] = [:],
        specHash: String? = nil
    ) {
        self.metadata = metadata
        self.spec = spec
        self.location = location
        self.fieldLocations = fieldLocations
        self.specHash = specHash ?? CanonicalJSON.hash(spec)
    }

    public var name: String { metadata.name }
}

/// Everything the config repo asks for, after validation. Documents with errors are left out, and the
/// files they came from are listed so nothing they declared is taken for removed.
public struct DesiredState: Sendable, Hashable, Codable {
    public var settings: Settings
    public var projects: [ProjectManifest]
    public var servers: [ServerManifest]
    /// Files with at least one error: a project or server last declared there is not flagged as removed.
    public var brokenFiles: Set<String>
    public var diagnostics: [Diagnostic]

    public init(
        settings: Settings = Settings(), projects: [ProjectManifest] = [], servers: [ServerManifest] = [],
        brokenFiles: Set<String> = [], diagnostics: [Diagnostic] = []
    ) {
        self.settings = settings
        self.projects = projects
        self.servers = servers
        self.brokenFiles = brokenFiles
        self.diagnostics = diagnostics
    }
}
