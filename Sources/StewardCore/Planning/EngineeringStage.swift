import StewardModel

/// Which projects the engineering agents work on, and when their work is done: a project with a `brief` (or
/// a stage short of active) is engineered until its phase reaches its stage (`verified` for active); an active
/// project with a change request not implemented yet is engineered again (maintenance, seed 5.1).
public enum EngineeringStage {
    /// The engineering phases in order; a phase after them (verified, deploying, active, maintenance) has
    /// reached every stage.
    public static let order: [ProjectPhase] = [
        .draft, .estimated, .provisioning, .initialized, .designing, .designed, .implementing, .implemented, .verifying,
    ]

    /// The phase planning goes by: a discovered record that a manifest now declares is registered as a draft
    /// earlier in the same pass; no record is a draft too.
    public static func plannedPhase(of record: ProjectRecord?) -> ProjectPhase {
        record.map { $0.phase == .discovered ? .draft : $0.phase } ?? .draft
    }

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

    /// The phases of a maintenance thread: a deployed project in one of them (or `active`, which moves to
    /// `maintenance`) has its change requests engineered. Other phases finish what they do first (a project in
    /// `verified` or `deploying` deploys, then its new change requests start maintenance).
    public static let maintainedPhases: Set<ProjectPhase> = [.active, .maintenance, .implementing, .implemented, .verifying]

    /// Whether the planner hands the project to the engineering graph.
    /// - Parameters:
    ///   - implemented: the change requests already implemented (`ProjectRecord.implementedChanges`).
    ///   - deployed: the project has been deployed (`lastDeployCommit`): its engineering phases are maintenance.
    public static func needsEngineering(
        _ spec: ProjectSpec, phase: ProjectPhase, resumePhase: ProjectPhase?, implemented: [String] = [], deployed: Bool = false
    ) -> Bool {
        if phase == .discovered { return false }
        if spec.brief != nil || spec.stage != .active, !reached(spec.stage, phase: phase, resumePhase: resumePhase) {
            return true
        }
        return needsMaintenance(spec, phase: phase, resumePhase: resumePhase, implemented: implemented, deployed: deployed)
    }

    /// Whether an active project (or a deployed one in its maintenance) has change requests to engineer. A first
    /// build that has not been deployed yet is not maintenance, whatever its phase.
    public static func needsMaintenance(
        _ spec: ProjectSpec, phase: ProjectPhase, resumePhase: ProjectPhase?, implemented: [String], deployed: Bool
    ) -> Bool {
        guard spec.stage == .active, !pendingChanges(spec, implemented: implemented).isEmpty else { return false }
        let effective = phase.isInterruption ? (resumePhase ?? .draft) : phase
        return effective == .active || (deployed && maintainedPhases.contains(effective))
    }

    /// The change requests of `spec` not in `implemented`, in manifest order.
    public static func pendingChanges(_ spec: ProjectSpec, implemented: [String]) -> [ProjectSpec.Change] {
        guard !spec.changes.isEmpty else { return [] }
        let done = Set(implemented)
        return spec.changes.filter { !done.contains($0.id) }
    }
}
