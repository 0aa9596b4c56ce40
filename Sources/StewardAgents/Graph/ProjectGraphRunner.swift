import Foundation
import Logging
import StewardCore
import StewardGraph
import StewardModel

/// The reconciler's `ProjectEngineering`: starts or resumes a project's thread of `ProjectGraph` in the
/// checkpointer (SQLite in the CLI), so a thread continues where it stopped, also in a new process.
public struct ProjectGraphRunner: ProjectEngineering {
    public let checkpointer: any Checkpointer
    /// The agents' adapters for a revision's settings (forge, worktrees, developer backend, tester).
    public let makeEnvironment: @Sendable (Settings) throws -> AgentEnvironment
    public let options: GraphRunOptions

    public init(
        checkpointer: any Checkpointer, options: GraphRunOptions = GraphRunOptions(),
        makeEnvironment: @escaping @Sendable (Settings) throws -> AgentEnvironment
    ) {
        self.checkpointer = checkpointer
        self.options = options
        self.makeEnvironment = makeEnvironment
    }

    public func advance(_ request: EngineeringRequest) async throws -> EngineeringOutcome {
        let environment = try makeEnvironment(request.settings)
        let engine = GraphEngine(graph: try ProjectGraph.build(environment), checkpointer: checkpointer, options: options)
        let thread = ProjectThreadState.thread(project: request.project.name, generation: request.generation)
        let logger = environment.logger
        let recorder = environment.recorder
        let project = request.project.name
        let run: GraphRun<ProjectThreadState>
        do {
            if let current = try await engine.current(thread: thread) {
                switch current.status {
                case .completed:
                    try await recorder.agentStatus(project, ProjectThreadStatus.agentStatuses(of: current))
                    return .completed(current.state.outcome)
                case .interrupted(let questions):
                    guard let answer = request.answer else {
                        try await recorder.agentStatus(project, ProjectThreadStatus.agentStatuses(of: current))
                        return .waiting(question: Self.question(questions))
                    }
                    logger.info("resuming with a person's answer", metadata: ["project": "\(project)", "thread": "\(thread)"])
                    try await recorder.agentStatus(project, (.working, current.state.zavhozStatus))
                    run = try await engine.resume(thread: thread, answer: answer)
                case .blocked(let reason):
                    guard request.answer != nil else {
                        try await recorder.agentStatus(project, ProjectThreadStatus.agentStatuses(of: current))
                        return .blocked(reason)
                    }
                    try await recorder.agentStatus(project, (.working, current.state.zavhozStatus))
                    run = try await engine.resume(thread: thread)
                case .running, .failed:
                    try await recorder.agentStatus(project, (.working, current.state.zavhozStatus))
                    run = try await engine.resume(thread: thread)
                }
            } else {
                logger.info(request.maintenance ? "starting a maintenance thread" : "starting the project graph", metadata: [
                    "project": "\(project)", "thread": "\(thread)",
                ])
                try await recorder.agentStatus(project, (.working, request.project.spec.stage == .active ? .working : .idle))
                run = try await engine.start(
                    thread: thread,
                    input: ProjectThreadState(
                        project: request.project, generation: request.generation, plannedServer: request.server,
                        implementedBefore: request.implemented, maintenance: request.maintenance,
                        plannedPortRange: request.serverPorts))
            }
        } catch let error as GraphError where error.kind == .threadBusy {
            return .busy
        }
        try await recorder.agentStatus(project, ProjectThreadStatus.agentStatuses(of: run))
        switch run.status {
        case .completed: return .completed(run.state.outcome)
        case .interrupted(let questions): return .waiting(question: Self.question(questions))
        case .blocked(let reason): return .blocked(reason)
        case .running: return .busy
        case .failed(let message): throw AgentError(message)
        }
    }

    static func question(_ questions: [Interruption]) -> String {
        questions.map(\.question).joined(separator: "\n")
    }
}
