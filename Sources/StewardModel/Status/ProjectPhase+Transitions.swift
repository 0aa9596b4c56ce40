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
        // Leaving an interruption returns to where work stopped, or restarts it from the repo: every phase here,
        // narrowed by the recorded resume phase (`resumeTargets(from:)`), which `canTransition` applies.
        case .setupRequired, .waitingForResources, .error, .missing:
            Set(ProjectPhase.allCases).subtracting([.discovered])
        }
    }

    /// The agents' own phases: entered only by the agent doing that work, one step at a time, never walked
    /// through on the way somewhere else (a project whose code exists never passes through them to deploy).
    public var isAgentWork: Bool {
        switch self {
        case .designing, .designed, .implementing, .implemented, .verifying: true
        default: false
        }
    }

    /// Where a project may go when it leaves an interruption (resume): back to `resumePhase`, one step on from
    /// it, or any phase that is not the agents' own (restarting from the repo: draft, initialized, deploying,
    /// active, …). Agent phases are reachable only from the work they continue.
    public static func resumeTargets(from resumePhase: ProjectPhase?) -> Set<ProjectPhase> {
        var targets = Set(allCases.filter { !$0.isAgentWork && $0 != .discovered })
        if let resumePhase {
            targets.insert(resumePhase)
            targets.formUnion(resumePhase.successors.filter { !$0.isInterruption })
        }
        return targets
    }

    /// Whether `self → target` is legal. Staying in the same phase is not a transition. Leaving an
    /// interruption is legal only to ``resumeTargets(from:)`` of the recorded `resumePhase`.
    public func canTransition(to target: ProjectPhase, resumePhase: ProjectPhase? = nil) -> Bool {
        if target == self { return false }
        if target.isInterruption { return true }
        if isInterruption { return Self.resumeTargets(from: resumePhase).contains(target) }
        return successors.contains(target)
    }

    /// Validates `self → target`.
    /// - Throws: `IllegalTransition` when the table does not allow it.
    public func transition(to target: ProjectPhase, resumePhase: ProjectPhase? = nil) throws -> ProjectPhase {
        guard canTransition(to: target, resumePhase: resumePhase) else { throw IllegalTransition(from: self, to: target) }
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
