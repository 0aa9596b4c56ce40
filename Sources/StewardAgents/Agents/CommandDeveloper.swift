import Foundation
import StewardGraph

/// The Developer as a configured program (`agents.backend: command`, `agents.command`).
///
/// The program runs through `/bin/sh -c` in the worktree, with `$STEWARD_TASK_FILE` naming a JSON file (a
/// `DeveloperTask`: project, repo, brief, pending changes, the failed test report, guidance, answers). Exit 0:
/// every pending change is implemented (the worktree is committed). Another exit status fails the step with
/// the output's tail (the next pass retries). A printed line `NEEDS_INPUT: <question>` interrupts the
/// thread; once answered, the program runs again with the answers in the task file. Each run starts from a
/// fresh worktree, so the program may run again after a crash or an answer: it must tolerate that.
public struct CommandDeveloper: DeveloperBackend {
    public let command: String
    public let timeout: Duration
    /// Where task files are written (outside the worktree, so they are never committed).
    public let taskDirectory: URL
    public let runner: ProcessRunner

    public init(command: String, timeout: Duration, taskDirectory: URL, runner: ProcessRunner = ProcessRunner()) {
        self.command = command
        self.timeout = timeout
        self.taskDirectory = taskDirectory
        self.runner = runner
    }

    public func implement(_ task: DeveloperTask, in worktree: URL, context: NodeContext) async throws -> DeveloperResult {
        var task = task
        try FileManager.default.createDirectory(at: taskDirectory, withIntermediateDirectories: true)
        let taskFile = taskDirectory.appendingPathComponent("task-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: taskFile) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        while true {
            try encoder.encode(task).write(to: taskFile)
            let outcome = try await runner.run(
                ["/bin/sh", "-c", command], in: worktree, environment: ["STEWARD_TASK_FILE": taskFile.path], timeout: timeout)
            if let question = Self.question(in: outcome.output) {
                task.answers.append(try context.interrupt(question))
                continue
            }
            guard let status = outcome.status else {
                throw AgentError("the developer command `\(command)` ran longer than \(timeout) and was killed; output:\n\(Self.tail(outcome.output))")
            }
            guard status == 0 else {
                throw AgentError("the developer command `\(command)` exited \(status); output:\n\(Self.tail(outcome.output))")
            }
            return DeveloperResult(implemented: task.changes.map(\.id), note: "command exited 0: \(Self.tail(outcome.output, lines: 3))")
        }
    }

    /// The question of the first `NEEDS_INPUT: …` line.
    static func question(in output: String) -> String? {
        for line in output.split(separator: "\n") where line.hasPrefix("NEEDS_INPUT:") {
            return line.dropFirst("NEEDS_INPUT:".count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func tail(_ output: String, lines: Int = 20) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
