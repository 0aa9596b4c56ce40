import Foundation
import Logging
import StewardCore

/// The adapters the agents work through, built by the CLI for one revision's settings (tests pass real
/// local ones and fakes).
public struct AgentEnvironment: Sendable {
    /// Where repositories are created (the Architect).
    public var forge: any Forge
    /// Worktrees of the repositories (Architect, Developer, Tester).
    public var workspace: any RepoWorkspace
    /// Phase moves and events on the project's record.
    public var recorder: ProjectRecorder
    public var template: ScaffoldTemplate
    public var developer: any DeveloperBackend
    public var tester: Tester
    /// Worktrees are made under it (one fresh directory per node run, removed after).
    public var workDirectory: URL
    public var logger: Logger

    public init(
        forge: any Forge, workspace: any RepoWorkspace, recorder: ProjectRecorder, template: ScaffoldTemplate,
        developer: any DeveloperBackend, tester: Tester, workDirectory: URL, logger: Logger
    ) {
        self.forge = forge
        self.workspace = workspace
        self.recorder = recorder
        self.template = template
        self.developer = developer
        self.tester = tester
        self.workDirectory = workDirectory
        self.logger = logger
    }

    /// Runs `body` with a fresh checkout, removed afterwards: of `branch` when it exists (the agents' proposal
    /// branch), else of the repository's default branch. `body` gets the directory and the commit checked out.
    func withWorktree<Result>(
        _ repository: ForgeRepository, project: String, branch: String? = nil, _ body: (URL, String?) async throws -> Result
    ) async throws -> Result {
        let directory = workDirectory.appendingPathComponent(project, isDirectory: true)
            .appendingPathComponent(UUID().uuidString, isDirectory: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var head: String?
        if let branch, branch != repository.defaultBranch {
            head = try await workspace.checkout(repository, branch: branch, into: directory)
        }
        if head == nil { head = try await workspace.checkout(repository, branch: repository.defaultBranch, into: directory) }
        return try await body(directory, head)
    }

    /// Commits the worktree to the state's work branch (a new proposal branch starts at the default branch).
    func commit(_ state: EngineeringState, _ repository: ForgeRepository, from directory: URL, message: String) async throws -> String? {
        try await workspace.commit(
            repository, branch: state.proposalBranch ?? repository.defaultBranch, base: repository.defaultBranch,
            from: directory, message: message)
    }
}
