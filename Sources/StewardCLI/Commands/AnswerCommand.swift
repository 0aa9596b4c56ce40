import ArgumentParser
import Foundation
import StewardAgents
import StewardCore
import StewardStore

/// `steward answer PROJECT "…"`: answers the question a project's agent-graph thread is waiting on and
/// resumes it from the node that asked, in a reconcile pass limited to that project.
struct AnswerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Answer a project's pending question (engineering agents) and resume its thread.",
        discussion: "Exit codes as `reconcile --once`: 0 converged; 2 not converged yet (e.g. deployed next pass, or another question); 1 errors.")

    @Argument(help: "The project whose thread waits.")
    var project: String

    @Argument(help: "The answer.")
    var answer: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        // An empty answer would be taken for guidance or a change description: say something.
        if answer.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("the answer is empty; say what the agents should do (e.g. `skip`, `restore`, `continue`, or guidance)")
        }
    }

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        guard let record = try await store.project(named: project) else {
            throw CommandFailure("no project named \(project) in \(global.stateDirectory.path)")
        }
        let status = try await ProjectThreadStatus.read(
            checkpointer: SQLCheckpointer(store: store), project: project, generation: record.generation)
        guard let status, status.question != nil || status.status.hasPrefix("blocked") else {
            throw CommandFailure("project \(project) is not waiting for an answer"
                + (status.map { " (its thread \($0.thread) is \($0.status))" } ?? " (it has no agent thread)"))
        }
        let report = try await ReconcileCommand.pass(global: global, dryRun: false, project: project, answer: answer)
        ReconcileCommand.printSummary(report)
        switch report.outcome {
        case .converged: return
        case .progressing: throw ExitCode(2)
        case .failed: throw ExitCode(1)
        }
    }
}
