import ArgumentParser
import StewardCore

/// `steward`: the GitOps controller's command line.
public struct StewardCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "steward",
        abstract: "GitOps controller: reconciles projects and servers declared in a config repo, deploying with Ansible.",
        discussion: """
            Exit codes: 0 success or converged; 2 not converged yet (waiting, or plan has changes); 1 errors.
            """,
        version: VersionReport.current.text,
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ReconcileCommand.self, RunCommand.self, SyncCommand.self, GetCommand.self,
            DescribeCommand.self, HistoryCommand.self, LogsCommand.self, SecretCommand.self, AskCommand.self, AnswerCommand.self,
            FixCommand.self, StatusCommand.self, EventsCommand.self, WaitCommand.self, SuspendCommand.self, ResumeCommand.self, RollbackCommand.self, DiffCommand.self, DriftCommand.self,
            InitCommand.self, VersionCommand.self, CompletionCommand.self, StoreCommand.self,
        ])

    public init() {}

    /// Parses the arguments and runs the chosen subcommand asynchronously, exiting with its code.
    /// (Top-level code in `main.swift` would otherwise pick argument-parser's synchronous `main()`.)
    public static func execute(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            await JournalSink.shared.flush()
        } catch {
            await JournalSink.shared.flush()
            exit(withError: error)
        }
    }
}
