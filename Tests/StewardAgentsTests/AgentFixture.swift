import Foundation
import Logging
import StewardAgents
import StewardCore
import StewardGit
import StewardGraph
import StewardModel
import StewardTestSupport

extension LocalRepoWorkspace: RepoWorkspace {}

/// A real local forge and real worktrees (libgit2) in a temp dir, the in-memory store and checkpointer, and
/// the repo's own python-web template: what the agents need, without the CLI.
final class AgentFixture: @unchecked Sendable {
    let directory: TemporaryDirectory
    let store = InMemoryStateStore()
    let checkpointer = InMemoryCheckpointer()
    let forge: CountingForge
    let template: ScaffoldTemplate

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    init() throws {
        directory = try TemporaryDirectory(prefix: "steward-agents")
        forge = CountingForge(LocalForge(root: directory.url.appendingPathComponent("forge")))
        template = try ScaffoldTemplate(templates: Self.repoRoot.appendingPathComponent("examples/templates"))
    }

    /// The environment with `developer` (builtin by default).
    func environment(developer: (any DeveloperBackend)? = nil) -> AgentEnvironment {
        AgentEnvironment(
            forge: forge, workspace: LocalRepoWorkspace(), recorder: ProjectRecorder(store: store), template: template,
            developer: developer ?? BuiltinDeveloper(template: template), tester: Tester(timeout: .seconds(120)),
            workDirectory: directory.url.appendingPathComponent("worktrees"), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    func runner(developer: (any DeveloperBackend)? = nil) -> ProjectGraphRunner {
        let environment = environment(developer: developer)
        return ProjectGraphRunner(checkpointer: checkpointer) { _ in environment }
    }

    /// Registers a draft project record, as the reconciler does before engineering.
    func register(_ manifest: ProjectManifest) async {
        await store.save(project: ProjectRecord(name: manifest.name, repo: manifest.spec.repo, phase: .draft, generation: 1, updatedAt: Date()), events: [])
    }

    static func manifest(
        _ name: String = "shop", brief: String = "a tiny shop", changes: [ProjectSpec.Change] = [],
        stage: ProjectSpec.Stage = .active
    ) -> ProjectManifest {
        ProjectManifest(
            metadata: Metadata(name: name),
            spec: ProjectSpec(repo: "acme/\(name)", brief: brief, changes: changes, stage: stage, server: "local"),
            location: SourceLocation(file: "manifests/\(name).yaml"))
    }

    func request(_ manifest: ProjectManifest, server: String? = "local", answer: String? = nil) -> EngineeringRequest {
        EngineeringRequest(project: manifest, generation: 1, server: server, settings: Settings(), answer: answer)
    }

    func phase(_ name: String = "shop") async throws -> ProjectPhase? {
        try await store.project(named: name)?.phase
    }

    func events(_ reason: String, _ name: String = "shop") async throws -> [EventRecord] {
        try await store.events(objectKind: "Project", objectName: name, limit: 1000).filter { $0.reason == reason }
    }

    /// The files of the default branch of `acme/NAME`.
    func files(_ name: String = "shop") async throws -> [String: String] {
        let repository = ForgeRepository(
            id: 0, owner: "acme", name: name,
            cloneURL: "file://" + directory.url.appendingPathComponent("forge/acme/\(name).git").path)
        let checkout = directory.url.appendingPathComponent("checkout-\(UUID().uuidString)")
        _ = try await LocalRepoWorkspace().checkout(repository, branch: "main", into: checkout)
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: checkout.path)
        while let path = enumerator?.nextObject() as? String {
            if let text = try? String(contentsOf: checkout.appendingPathComponent(path), encoding: .utf8) { files[path] = text }
        }
        return files
    }

    /// Commits on the default branch of `acme/NAME`, newest first (git log through the CLI).
    func commitCount(_ name: String = "shop") async throws -> Int {
        let output = try await run(["git", "--git-dir", directory.url.appendingPathComponent("forge/acme/\(name).git").path, "rev-list", "--count", "main"])
        return Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}

/// A real forge that counts creations and can fail once right after creating (a crash between the forge's
/// answer and the recorded result).
actor CountingForge: Forge {
    let base: LocalForge
    private(set) var creations = 0
    var failAfterNextCreate = false

    init(_ base: LocalForge) { self.base = base }

    func failAfterCreate() { failAfterNextCreate = true }

    func listRepositories(owner: String, cached: [ForgePage]) async throws -> [ForgePage] {
        try await base.listRepositories(owner: owner, cached: cached)
    }

    func repository(id: Int64) async throws -> ForgeLookup { try await base.repository(id: id) }

    func createRepository(owner: String, name: String, isPrivate: Bool, description: String?) async throws -> ForgeRepository {
        let created = try await base.createRepository(owner: owner, name: name, isPrivate: isPrivate, description: description)
        creations += 1
        if failAfterNextCreate {
            failAfterNextCreate = false
            throw AgentError("the process died right after the forge created \(owner)/\(name)")
        }
        return created
    }
}
