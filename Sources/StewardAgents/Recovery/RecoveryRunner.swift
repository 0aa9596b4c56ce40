import Foundation
import StewardCore
import StewardGraph
import StewardModel

/// Starts or resumes the Recovery thread of each open incident of an object (`steward fix`, the PO's Fix).
public struct RecoveryRunner: Sendable {
    public let checkpointer: any Checkpointer
    public let operations: any RecoveryOperations
    public let options: GraphRunOptions

    public init(checkpointer: any Checkpointer, operations: any RecoveryOperations, options: GraphRunOptions = GraphRunOptions()) {
        self.checkpointer = checkpointer
        self.operations = operations
        self.options = options
    }

    /// The incidents among `incidents` whose Recovery thread started and did not finish (a crash, a failed step):
    /// they are resumed even when the incident was closed meanwhile (a server that answers again resolves its
    /// server_unreachable by itself, but its re-provisioning and redeploys still have to finish).
    public func unfinished(_ incidents: [IncidentRecord]) async throws -> [IncidentRecord] {
        let engine = GraphEngine(graph: try RecoveryGraph.build(operations), checkpointer: checkpointer, options: options)
        var found: [IncidentRecord] = []
        for incident in incidents {
            guard let id = incident.id, let current = try await engine.current(thread: RecoveryDecision.thread(incident: id))
            else { continue }
            if current.status != .completed { found.append(incident) }
        }
        return found
    }

    /// Recovers each incident in its own thread, oldest first, one after the other: a new thread is started, an
    /// unfinished one (a crash, a failed step) resumed, a completed one only read back.
    public func recover(_ incidents: [IncidentRecord]) async throws -> [RecoveryOutcome] {
        let engine = GraphEngine(graph: try RecoveryGraph.build(operations), checkpointer: checkpointer, options: options)
        var outcomes: [RecoveryOutcome] = []
        for incident in incidents.sorted(by: { ($0.id ?? 0) < ($1.id ?? 0) }) {
            guard let id = incident.id else { continue }
            let thread = RecoveryDecision.thread(incident: id)
            let run: GraphRun<RecoveryState>
            do {
                if let current = try await engine.current(thread: thread) {
                    switch current.status {
                    case .completed: run = current
                    default: run = try await engine.resume(thread: thread)
                    }
                } else {
                    run = try await engine.start(thread: thread, input: RecoveryState(incident: incident))
                }
            } catch {
                // The step failed (a store or adapter error): the thread stays `failed`; the next fix resumes it.
                let steps = (try? await engine.state(thread: thread).steps) ?? []
                outcomes.append(RecoveryOutcome(incident: incident, status: nil, steps: steps, failure: "\(error)"))
                continue
            }
            var failure = run.state.failure
            if case .failed(let message) = run.status { failure = failure ?? message }
            if case .blocked(let message) = run.status { failure = failure ?? message }
            outcomes.append(RecoveryOutcome(incident: incident, status: run.state.outcome, steps: run.state.steps, failure: failure))
        }
        return outcomes
    }
}
