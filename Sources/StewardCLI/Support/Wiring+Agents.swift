import Foundation
import Logging
import StewardAgents
import StewardCore
import StewardGit
import StewardGitHub
import StewardGraph
import StewardHTTP
import StewardModel
import StewardStore

/// StewardGit's worktrees are the agents' `RepoWorkspace`.
extension LocalRepoWorkspace: RepoWorkspace {}

extension Wiring {
    /// The engineering agents over the SQLite checkpointer: the project graph, with a forge, worktrees, the
    /// configured Developer backend and the Tester for each revision's settings.
    static func makeEngineering(store: SQLiteStateStore, stateDirectory: URL, library: PlaybookLibrary, logger: Logger) -> ProjectGraphRunner {
        let makeForge = Self.makeForge(stateDirectory: stateDirectory, logger: logger)
        let options = GraphRunOptions(onEvent: { event in
            var metadata: Logger.Metadata = [
                "thread": "\(event.thread)", "step": "\(event.step)", "nodes": "\(event.nodes.joined(separator: ","))",
                "status": "\(event.status.rawValue)", "duration_ms": "\(ms(event.duration))", "action": "graph_step",
            ]
            if let message = event.message { metadata["message"] = "\(message.prefix(200))" }
            logger.info("graph step", metadata: metadata)
        })
        return ProjectGraphRunner(checkpointer: SQLiteCheckpointer(store: store), options: options) { settings in
            guard let forge = try makeForge(settings)?.forge else {
                throw ForgeUnavailable(description: "no forge is configured to create project repositories in")
            }
            let template = try ScaffoldTemplate(templates: try locateTemplates(library: library))
            let timeout = Duration.seconds(settings.agents.timeout)
            let developer: any DeveloperBackend
            switch settings.agents.backend {
            case .builtin:
                developer = BuiltinDeveloper(template: template)
            case .command:
                guard let command = settings.agents.command else {
                    throw AgentError("agents.backend is command but agents.command is not set in steward.yaml")
                }
                developer = CommandDeveloper(
                    command: command, timeout: timeout,
                    taskDirectory: stateDirectory.appendingPathComponent("agent-tasks", isDirectory: true))
            case .openai:
                let chat = OpenAIChat(
                    client: try HTTPClient(configuration: HTTPClient.Configuration(totalTimeout: timeout)),
                    settings: settings.agents, timeout: timeout)
                developer = OpenAIDeveloper(complete: chat.complete, applyPatch: GitPatch.apply)
            }
            // GitHub repositories are worked on in their mirrors under the state dir, pushed with the forge's token.
            let mirrors = (forge as? GitHubForge).map { github in
                Self.mirrors(stateDirectory: stateDirectory, token: { try await github.gitToken() },
                    tokenRejected: { await github.gitTokenRejected($0) })
            }
            return AgentEnvironment(
                forge: forge, workspace: LocalRepoWorkspace(mirrors: mirrors), recorder: ProjectRecorder(store: store), template: template,
                developer: developer, tester: Tester(timeout: timeout),
                workDirectory: stateDirectory.appendingPathComponent("worktrees", isDirectory: true), logger: logger)
        }
    }

    /// The scaffold templates: `$STEWARD_TEMPLATES`, else `examples/templates` beside Steward's playbooks (a
    /// source checkout), else `templates` beside them (`share/steward/`).
    static func locateTemplates(library: PlaybookLibrary) throws -> URL {
        var candidates: [URL] = []
        if let explicit = ProcessInfo.processInfo.environment["STEWARD_TEMPLATES"], !explicit.isEmpty {
            candidates.append(URL(fileURLWithPath: explicit))
        }
        let parent = library.directory.deletingLastPathComponent()
        candidates += [parent.appendingPathComponent("examples/templates"), parent.appendingPathComponent("templates")]
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate.path) { return candidate }
        throw AgentError("Steward's scaffold templates were not found (looked in \(candidates.map(\.path).joined(separator: ", "))); "
            + "set STEWARD_TEMPLATES to the examples/templates directory of the Steward checkout")
    }

    /// Milliseconds of a duration, for log lines.
    static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000) + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
