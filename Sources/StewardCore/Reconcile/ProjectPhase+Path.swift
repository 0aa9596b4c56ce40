import StewardModel

extension ProjectPhase {
    /// The shortest legal walk from this phase to `target` through the transition table, excluding `self`.
    /// Interruptions are entered directly, never walked through; the agents' phases are never walked through
    /// either (only `target` may be one). Leaving an interruption honours the recorded `resumePhase`
    /// (`resumeTargets(from:)`). Empty when already there.
    /// - Throws: `IllegalTransition` when the table has no such walk.
    public func path(to target: ProjectPhase, resumePhase: ProjectPhase? = nil) throws -> [ProjectPhase] {
        if self == target { return [] }
        if canTransition(to: target, resumePhase: resumePhase) { return [target] }
        var previous: [ProjectPhase: ProjectPhase] = [:]
        var queue = [self]
        var index = 0
        while index < queue.count {
            let phase = queue[index]
            index += 1
            let successors = phase.isInterruption ? ProjectPhase.resumeTargets(from: resumePhase) : phase.successors
            for next in successors.sorted(by: { $0.rawValue < $1.rawValue })
            where !next.isInterruption && previous[next] == nil && next != self && (next == target || !next.isAgentWork) {
                previous[next] = phase
                if next == target {
                    var walk = [target]
                    var step = phase
                    while step != self {
                        walk.insert(step, at: 0)
                        step = previous[step]!
                    }
                    return walk
                }
                queue.append(next)
            }
        }
        throw IllegalTransition(from: self, to: target)
    }
}
