/// A project's lifecycle phase (docs/ARCHITECTURE.md §3). Every change goes through `ProjectPhase.transition(to:)`.
public enum ProjectPhase: String, Sendable, Hashable, Codable, CaseIterable {
    /// A forge repo with no manifest: observed only.
    case discovered
    case draft
    case estimated
    /// The repo does not exist yet; the Architect creates it.
    case provisioning
    /// The repo exists: the source of truth is established.
    case initialized
    case designing
    case designed
    case implementing
    case implemented
    case verifying
    case verified
    case deploying
    case active
    case maintenance
    /// Secrets named in `spec.env` are missing.
    case setupRequired = "setup_required"
    /// No ready server for the project.
    case waitingForResources = "waiting_for_resources"
    case error
    /// The repo answered 404 (confirmed by id).
    case missing

    /// Phases any phase may enter, and which remember the phase to return to.
    public var isInterruption: Bool {
        switch self {
        case .setupRequired, .waitingForResources, .error, .missing: true
        default: false
        }
    }
}

/// A server's status (docs/ARCHITECTURE.md §3).
public enum ServerStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case discovered
    case provisioning
    case ready
    case error
}
