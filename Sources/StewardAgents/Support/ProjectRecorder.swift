import Foundation
import StewardCore
import StewardModel

/// How agents change a project's record: phase moves validated against the lifecycle table, each step an
/// event, saved in one transaction with the record.
public struct ProjectRecorder: Sendable {
    public let store: any StateStore
    public let now: @Sendable () -> Date

    public init(store: any StateStore, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.now = now
    }

    /// Moves the project to `target` along the lifecycle table. A project already there, or past it on the way
    /// to its stage (a re-run node after a crash), stays where it is.
    /// - Throws: `IllegalTransition` when `target` cannot be reached and the project is not past it.
    /// - Parameter update: further changes saved with the move, in the same transaction (also when the project
    ///   is already there).
    public func move(
        _ project: String, to target: ProjectPhase, _ message: String, update: (inout ProjectRecord) -> Void = { _ in }
    ) async throws {
        if let record = try await store.project(named: project), record.phase == target {
            var updated = record
            update(&updated)
            if updated != record { try await store.save(project: updated, events: []) }
            return
        }
        guard var record = try await store.project(named: project), record.phase != target else { return }
        let walk: [ProjectPhase]
        do {
            walk = try record.phase.path(to: target, resumePhase: record.resumePhase)
        } catch {
            let order = EngineeringStage.order + [.verified, .deploying, .active]
            if let current = order.firstIndex(of: record.phase), let wanted = order.firstIndex(of: target), current > wanted {
                return
            }
            throw error
        }
        var events: [EventRecord] = []
        for next in walk {
            if record.phase.isInterruption, !next.isInterruption { record.resumePhase = nil }
            events.append(event(project, "PhaseChanged", "\(record.phase.rawValue) -> \(next.rawValue): \(message)"))
            record.phase = next
        }
        update(&record)
        record.conditions.remove(Condition.stalled)
        record.conditions.set(Condition.reconciling, .true, reason: "Engineering", message: message, at: now())
        record.updatedAt = now()
        try await store.save(project: record, events: events)
    }

    /// Marks a project that reached a stage short of active as settled: `Ready` true, `Reconciling` false.
    public func settle(_ project: String, _ message: String) async throws {
        guard var record = try await store.project(named: project) else { return }
        record.conditions.set(Condition.ready, .true, reason: "StageReached", message: message, at: now())
        record.conditions.set(Condition.reconciling, .false, reason: "StageReached", message: message, at: now())
        record.observedGeneration = record.generation
        record.updatedAt = now()
        try await store.save(project: record, events: [event(project, "StageReached", message)])
    }

    /// Records the agent graph's statuses on the project's record (`engineering_status`, `zavhoz_status`).
    public func agentStatus(_ project: String, _ statuses: (engineering: EngineeringStatus, zavhoz: ZavhozStatus)) async throws {
        guard let record = try await store.project(named: project),
            record.engineeringStatus != statuses.engineering || record.zavhozStatus != statuses.zavhoz
        else { return }
        try await store.setAgentStatus(project: project, engineering: statuses.engineering, zavhoz: statuses.zavhoz)
    }

    /// Records who made the project's repo, with an event. A repo found on the forge is `adopted` unless this
    /// project's record already says Steward created it (a later thread of the same project finds its own repo).
    public func recordRepo(_ project: String, created: Bool, reason: String, _ message: String) async throws {
        guard var record = try await store.project(named: project) else { return }
        record.repoOrigin = created ? .created : (record.repoOrigin ?? .adopted)
        record.updatedAt = now()
        try await store.save(project: record, events: [event(project, reason, message + " (origin: \(record.repoOrigin!.rawValue))")])
    }

    /// Records the proposal a person is asked to merge (`ChangeProposed`), or its end (`ProposalAnswered`, with
    /// the answer) when `proposal` is nil.
    public func recordProposal(_ project: String, _ proposal: ChangeProposal?, answer: String = "") async throws {
        guard var record = try await store.project(named: project), record.proposal != proposal else { return }
        let message = proposal.map { "the agents' changes wait for a person on \($0.summary)" }
            ?? "proposal \(record.proposal?.summary ?? "-") answered: \(answer)"
        record.proposal = proposal
        record.updatedAt = now()
        try await store.save(project: record, events: [event(project, proposal == nil ? "ProposalAnswered" : "ChangeProposed", message)])
    }

    /// Appends one event about the project.
    public func note(_ project: String, _ reason: String, _ message: String, warning: Bool = false) async throws {
        try await store.append(events: [event(project, reason, message, warning ? .warning : .normal)])
    }

    func event(_ project: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal) -> EventRecord {
        EventRecord(time: now(), objectKind: "Project", objectName: project, type: type, reason: reason, message: message)
    }
}
