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
    static func makeEngineering(store: SQLStateStore, stateDirectory: URL, library: PlaybookLibrary, logger: Logger) -> ProjectGraphRunner {
        let makeForge = Self.makeForge(stateDirectory: stateDirectory, logger: logger)
        let options = GraphRunOptions(onEvent: { event in
            var metadata: Logger.Metadata = [
                "thread": "\(event.thread)", "step": "\(event.step)", "nodes": "\(event.nodes.joined(separator: ","))",
                "status": "\(event.status.rawValue)", "duration_ms": "\(ms(event.duration))", "action": "graph_step",
            ]
            if let message = event.message { metadata["message"] = "\(message.prefix(200))" }
            logger.info("graph step", metadata: metadata)
        })
        return ProjectGraphRunner(checkpointer: SQLCheckpointer(store: store), options: options) { settings in
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

    /// The scaffold templates: `$STEWARD_TEMPLATES`, else `examples/templates` beside `$STEWARD_PLAYBOOKS` (a source
    /// checkout), else the ones compiled into the binary, written beside its playbooks.
    static func locateTemplates(library: PlaybookLibrary) throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["STEWARD_TEMPLATES"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let checkout = library.directory.deletingLastPathComponent().appendingPathComponent("examples/templates")
        if ProcessInfo.processInfo.environment["STEWARD_PLAYBOOKS"]?.isEmpty == false, FileManager.default.fileExists(atPath: checkout.path) {
            return checkout
        }
        do {
            return try PlaybookLibrary.embeddedTemplates(in: library.directory.deletingLastPathComponent())
        } catch {
            throw AgentError("could not write Steward's app templates beside its playbooks in "
                + "\(library.directory.deletingLastPathComponent().path): \(error)")
        }
    }

    /// Milliseconds of a duration, for log lines.
    static func ms(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000) + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
