import Foundation
import Logging
import StewardAgents
import StewardCore
import StewardGit
import StewardGraph
import StewardModel
import StewardStore

extension Wiring {
    /// Runs the Recovery agent for the open incidents of `object` (a project or server name; all when nil),
    /// holding the state lock like `reconcile`. - Throws: `CommandFailure` for an unknown object.
    func recover(object: String?) async throws -> RecoveryAnswer {
        let library = try Wiring.locatePlaybooks()
        let lock = try StateLock(stateDirectory: options.stateDirectory, logger: logger)
        defer { withExtendedLifetime(lock) {} }
        let store = try openStore()
        if let object, try await store.project(named: object) == nil, try await store.server(named: object) == nil {
            throw CommandFailure("no project or server named \(object) is registered (`steward get projects`, `steward get servers`)")
        }
        // Holding the state lock, a recovery thread's lease left in the store belongs to a process that died, and
        // so does a run still marked running.
        let checkpointer = SQLiteCheckpointer(store: store)
        _ = try checkpointer.releaseStaleLeases(threadPrefix: "recovery/")
        _ = try checkpointer.releaseStaleLeases(threadPrefix: "project/")
        _ = try await store.recoverInterruptedRuns(at: Date())
        let source = try configSource()
        let revision = try await source.update()
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library.playbooks).load(revision)
        let settings = loaded.desired.settings
        let reconciler = reconciler(store: store, source: source, library: library)
        let stateDirectory = options.stateDirectory
        let forge = try Self.makeForge(stateDirectory: stateDirectory, logger: logger)(settings)?.forge
        let logger = self.logger
        let operations = ControllerRecovery(
            store: store, settings: settings, servers: serverLifecycle(store: store, library: library), reconciler: reconciler,
            healthChecker: try Self.makeHealthChecker(store: store, logger: logger)(settings), forge: forge,
            recreate: { record in
                guard let forge else { return .failed("no forge is configured") }
                return try await Self.recreateRepository(
                    record, forge: forge, bundles: stateDirectory.appendingPathComponent("bundles", isDirectory: true),
                    templates: try Self.locateTemplates(library: library), logger: logger)
            },
            logger: logger)
        let graphOptions = GraphRunOptions(onEvent: { event in
            logger.info("graph step", metadata: [
                "thread": "\(event.thread)", "step": "\(event.step)", "nodes": "\(event.nodes.joined(separator: ","))",
                "status": "\(event.status.rawValue)", "duration_ms": "\(Self.ms(event.duration))", "action": "graph_step",
            ])
        })
        let runner = RecoveryRunner(checkpointer: checkpointer, operations: operations, options: graphOptions)
        let all = try await store.incidents(openOnly: false).filter { object == nil || $0.objectName == object }
        let unfinished = try await runner.unfinished(all.filter { !$0.status.isOpen })
        let incidents = all.filter(\.status.isOpen) + unfinished
        guard !incidents.isEmpty else {
            return RecoveryAnswer(text: "No open incidents for \(object ?? "any project or server"); nothing to fix.", allResolved: true)
        }
        let outcomes = try await runner.recover(incidents)
        var lines: [String] = []
        for outcome in outcomes {
            let incident = outcome.incident
            lines.append("#\(incident.id ?? 0) \(incident.kind.rawValue) on \(incident.objectKind) \(incident.objectName): "
                + (outcome.status?.rawValue ?? "not finished") + (outcome.failure.map { " (\($0))" } ?? ""))
            for step in outcome.steps { lines.append("  \(step)") }
        }
        let resolved = outcomes.filter { $0.status == .resolved }.count
        lines.append("recovery: \(resolved) of \(outcomes.count) incidents resolved")
        return RecoveryAnswer(text: lines.joined(separator: "\n"), allResolved: resolved == outcomes.count)
    }

    /// Creates the project's repo on the forge and fills it with the last deployed commit and its history from
    /// Steward's bundle (`STATE/bundles/COMMIT.bundle`); without one, scaffolds it from the template as the
    /// Architect does. A repo that already holds the branch is left as it is (a resumed attempt).
    static func recreateRepository(
        _ record: ProjectRecord, forge: any Forge, bundles: URL, templates: URL, logger: Logger
    ) async throws -> RecoveryStepResult {
        guard let spec = record.spec else { return .failed("project \(record.name) has no manifest") }
        let parts = spec.repo.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return .failed("repo \(spec.repo) is not OWNER/NAME") }
        let repo = try await forge.createRepository(
            owner: parts[0], name: parts[1], isPrivate: true, description: spec.brief.map { String($0.prefix(200)) })
        guard repo.cloneURL.hasPrefix("file://") else {
            return .failed("created \(repo.fullName), but filling a repo with its history needs the local forge in this version")
        }
        let directory = URL(fileURLWithPath: String(repo.cloneURL.dropFirst("file://".count)))
        // A branch ref (`main`), else the repo's default branch when the manifest pins a commit or tag.
        let branch = GitObjectID(hex: spec.ref) == nil && !spec.ref.hasPrefix("refs/tags/") ? spec.ref.replacingOccurrences(
            of: "refs/heads/", with: "") : repo.defaultBranch
        let git = try GitRepository.open(at: directory)
        if let head = try git.commitID(forReference: "refs/heads/\(branch)") {
            return .done("\(repo.fullName) already holds \(branch) at \(head.hex.prefix(12))")
        }
        if let commit = record.lastDeployCommit {
            let bundle = bundles.appendingPathComponent("\(commit).bundle")
            if FileManager.default.fileExists(atPath: bundle.path) {
                let restored = try git.importBundle(bundle, branch: branch)
                logger.info("repo re-created from Steward's bundle", metadata: [
                    "project": "\(record.name)", "repo": "\(repo.fullName)", "commit": "\(restored.hex)", "action": "recovery",
                ])
                return .done("re-created \(repo.fullName) (id \(repo.id)) with \(branch) at \(restored.hex.prefix(12)) and its "
                    + "history from Steward's bundle")
            }
        }
        let template = try ScaffoldTemplate(templates: templates)
        let worktree = FileManager.default.temporaryDirectory.appendingPathComponent("steward-recover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: worktree) }
        let workspace = LocalRepoWorkspace()
        _ = try await workspace.checkout(repo, branch: branch, into: worktree)
        try template.scaffold(into: worktree, name: record.name, brief: spec.brief ?? "")
        let commit = try await workspace.commit(
            repo, branch: branch, from: worktree,
            message: "Scaffold \(record.name) again: the repo was lost and Steward had no copy of it")
        return .done("re-created \(repo.fullName) (id \(repo.id)) and scaffolded it (\(commit.map { String($0.prefix(12)) } ?? "-")): "
            + "Steward had no copy of \(record.lastDeployCommit.map { String($0.prefix(12)) } ?? "any commit")")
    }
}

