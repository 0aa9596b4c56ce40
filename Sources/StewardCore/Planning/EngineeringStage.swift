import StewardModel

/// Which projects the engineering agents work on, and when their work is done: a project with a `brief` (or
/// a stage short of active) is engineered until its phase reaches its stage (`verified` for active).
public enum EngineeringStage {
    /// The engineering phases in order; a phase after them (verified, deploying, active, maintenance) has
    /// reached every stage.
    public static let order: [ProjectPhase] = [
        .draft, .estimated, .provisioning, .initialized, .designing, .designed, .implementing, .implemented, .verifying,
    ]

    /// The phase the graph brings a project of this stage to.
    public static func target(of stage: ProjectSpec.Stage) -> ProjectPhase {
        switch stage {
        case .designed: .designed
        case .implemented: .implemented
        case .verified, .active: .verified
        }
    }

    /// Whether `phase` (or, for an interruption, the phase work stopped at) has reached `stage`'s target.
    public static func reached(_ stage: ProjectSpec.Stage, phase: ProjectPhase, resumePhase: ProjectPhase?) -> Bool {
        let effective = phase.isInterruption ? (resumePhase ?? .draft) : phase
        guard let rank = order.firstIndex(of: effective) else { return true }
        let target = target(of: stage)
        return target != .verified && rank >= order.firstIndex(of: target)!
    }

    /// Whether the planner hands the project to the engineering graph.
    public static func needsEngineering(_ spec: ProjectSpec, phase: ProjectPhase, resumePhase: ProjectPhase?) -> Bool {
        guard spec.brief != nil || spec.stage != .active else { return false }
        if phase == .discovered { return false }
        return !reached(spec.stage, phase: phase, resumePhase: resumePhase)
    }
}
