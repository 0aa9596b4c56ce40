/// The project lifecycle's transition table, beside the enum it governs.
extension ProjectPhase {
    /// The phases reachable from this one in a single step (besides the interruptions, reachable from any phase).
    ///
    /// The seed's chain is draft → estimated → provisioning → initialized → designing → … → active → maintenance.
    /// Two shortcuts exist for repos that already hold code: a manifest may adopt a `discovered` repo or a
    /// `draft` whose repo exists (→ initialized), and an initialized repo with nothing to build may deploy.
    public var successors: Set<ProjectPhase> {
        switch self {
        case .discovered: [.initialized, .draft]
        case .draft: [.estimated, .provisioning, .initialized]
        case .estimated: [.provisioning, .initialized]
        case .provisioning: [.initialized]
        case .initialized: [.designing, .deploying]
        case .designing: [.designed]
        case .designed: [.implementing]
        case .implementing: [.implemented]
        case .implemented: [.verifying]
        case .verifying: [.verified, .implementing]
        case .verified: [.deploying]
        case .deploying: [.active]
        case .active: [.maintenance, .deploying]
        case .maintenance: [.designing, .implementing, .deploying]
        // Leaving an interruption returns to where work stopped, or restarts it from the repo.
        case .setupRequired, .waitingForResources, .error, .missing:
            Set(ProjectPhase.allCases).subtracting([.discovered])
        }
    }

    /// Whether `self → target` is legal. Staying in the same phase is not a transition.
    public func canTransition(to target: ProjectPhase) -> Bool {
        if target == self { return false }
        if target.isInterruption { return true }
        return successors.contains(target)
    }

    /// Validates `self → target`.
    /// - Throws: `IllegalTransition` when the table does not allow it.
    public func transition(to target: ProjectPhase) throws -> ProjectPhase {
        guard canTransition(to: target) else { throw IllegalTransition(from: self, to: target) }
        return target
    }
}

/// A phase change the lifecycle table does not allow.
public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
    public var from: ProjectPhase
    public var to: ProjectPhase

    public init(from: ProjectPhase, to: ProjectPhase) {
        self.from = from
        self.to = to
    }

    public var description: String {
        "illegal project phase transition \(from.rawValue) -> \(to.rawValue); allowed from \(from.rawValue): "
            + from.successors.map(\.rawValue).sorted().joined(separator: ", ")
    }
}
