import Foundation
import Logging
import StewardAgents
import StewardCore
import StewardGit
import StewardGitHub
import StewardGraph
import StewardModel
import StewardStore

extension Wiring {
    /// Runs the Recovery agent for the open incidents of `object` (a project or server name; all when nil), alone
    /// on the state dir or beside `steward run` on the keys of those incidents (`StateAccess`). - Throws: `CommandFailure` for an unknown object.
    func recover(object: String?) async throws -> RecoveryAnswer {
        let library = try playbooks()
        let store = try openStore()
        if let object, try await store.project(named: object) == nil, try await store.server(named: object) == nil {
            throw CommandFailure("no project or server named \(object) is registered (`steward get projects`, `steward get servers`)")
        }
        if let object, let suspension = try await store.suspensions().first(where: { $0.objectName == object }) {
            let kind = suspension.objectKind.lowercased()
            throw CommandFailure("\(kind) \(object) is suspended (\(suspension.reason)): nothing heals it until `steward resume \(kind) \(object)`")
        }
        let access = try await StateAccess.oneShot("fix", store: store, logger: logger)
        let result = await Result(catching: { try await recover(object: object, store: store, access: access, library: library) })
        await access.release()
        return try result.get()
    }

    private func recover(
        object: String?, store: SQLStateStore, access: StateAccess, library: PlaybookLibrary
    ) async throws -> RecoveryAnswer {
        let checkpointer = SQLCheckpointer(store: store)
        if access.isAlone {
            // Alone on the state dir, a recovery thread's lease left in the store belongs to a process that died, and
            // so does a run still marked running.
            _ = try await checkpointer.releaseStaleLeases(threadPrefix: "recovery/")
            _ = try await checkpointer.releaseStaleLeases(threadPrefix: "project/")
            _ = try await store.recoverInterruptedRuns(at: Date())
        } else {
            // Beside the controller: the objects of the incidents to recover are this command's until it ends.
            let objects = try await store.incidents(openOnly: false).filter { object == nil || $0.objectName == object }
                .compactMap { ObjectKey(actionKey: "\($0.objectKind)/\($0.objectName)")?.description }
            try await access.leases.acquire(objects, logger: logger)
        }
        let source = try configSource()
        let revision = try await source.update()
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library.playbooks).load(revision)
        let settings = loaded.desired.settings
        let reconciler = reconciler(store: store, source: source, library: library)
        let stateDirectory = options.stateDirectory
        let forge = try Self.makeForge(stateDirectory: stateDirectory, logger: logger)(settings)?.forge
        // GitHub repositories are refilled through their mirrors under the state dir, pushed with the forge's token.
        let mirrors = (forge as? GitHubForge).map { github in
            Self.mirrors(stateDirectory: stateDirectory, token: { try await github.gitToken() },
                tokenRejected: { await github.gitTokenRejected($0) })
        }
        let logger = self.logger
        var operations = ControllerRecovery(
            store: store, settings: settings, servers: serverLifecycle(store: store, library: library), reconciler: reconciler,
            healthChecker: try Self.makeHealthChecker(store: store, logger: logger)(settings), forge: forge,
            recreate: { record in
                guard let forge else { return .failed("no forge is configured") }
                return try await Self.recreateRepository(
                    record, forge: forge, mirrors: mirrors, bundles: stateDirectory.appendingPathComponent("bundles", isDirectory: true),
                    templates: try Self.locateTemplates(library: library), store: store, logger: logger)
            },
            logger: logger)
        operations.passOptions.alone = access.isAlone
        operations.passOptions.takeKeys = { keys in try await access.leases.acquire(keys, logger: logger) }
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

    /// Creates the project's repo on the forge (the Architect's create call: found rather than created twice) and
    /// fills it with the last deployed commit and its history: for a local forge from Steward's bundle
    /// (`STATE/bundles/COMMIT.bundle`); for GitHub from the repo's mirror when it holds the commit, else from the
    /// bundle imported into the mirror, pushed with the token given to libgit2 only (never forced). With neither,
    /// a repo Steward created is scaffolded from the template as the Architect does; a person's repo is left
    /// empty and the step fails saying so (Steward never writes its template in place of their code). A resumed
    /// attempt repeats nothing: a local
    /// repo or a scaffolded one that already holds the branch is left as it is, and a GitHub branch already at the
    /// commit takes the push as a no-op (one at another commit fails the step: nothing is forced).
    static func recreateRepository(
        _ record: ProjectRecord, forge: any Forge, mirrors: GitMirrors?, bundles: URL, templates: URL,
        store: (any StateStore)? = nil, logger: Logger
    ) async throws -> RecoveryStepResult {
        guard let spec = record.spec else { return .failed("project \(record.name) has no manifest") }
        let parts = spec.repo.split(separator: "/").map(String.init)
        guard parts.count == 2 else { return .failed("repo \(spec.repo) is not OWNER/NAME") }
        let repo = try await forge.createRepository(
            owner: parts[0], name: parts[1], isPrivate: true, description: spec.brief.map { String($0.prefix(200)) })
        // A branch ref (`main`), else the repo's default branch when the manifest pins a commit or tag.
        let branch = GitObjectID(hex: spec.ref) == nil && !spec.ref.hasPrefix("refs/tags/") ? spec.ref.replacingOccurrences(
            of: "refs/heads/", with: "") : repo.defaultBranch
        let commit = record.lastDeployCommit.flatMap(GitObjectID.init(hex:))
        let bundle = commit.map { bundles.appendingPathComponent("\($0.hex).bundle") }
            .flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        if repo.cloneURL.hasPrefix("file://") {
            let git = try GitRepository.open(at: URL(fileURLWithPath: String(repo.cloneURL.dropFirst("file://".count))))
            if let head = try git.commitID(forReference: "refs/heads/\(branch)") {
                return .done("\(repo.fullName) already holds \(branch) at \(head.hex.prefix(12))")
            }
            if let bundle {
                let restored = try git.importBundle(bundle, branch: branch)
                return restoredResult(record, repo, branch: branch, commit: restored, from: .bundle, logger: logger)
            }
        } else {
            guard let mirrors else {
                return .failed("created \(repo.fullName), but no mirrors directory is configured to fill it from")
            }
            if let commit, let source = try await mirrors.restore(commit: commit, branch: branch, cloneURL: repo.cloneURL, bundle: bundle) {
                return restoredResult(record, repo, branch: branch, commit: commit, from: source, logger: logger)
            }
        }
        guard record.repoOrigin == .created else {
            // The project follows the new repo's id, so the person's push is all it takes: the next pass finds it.
            if let store, var linked = try await store.project(named: record.name), linked.githubRepoID != repo.id {
                linked.githubRepoID = repo.id
                linked.updatedAt = Date()
                try await store.save(project: linked, events: [EventRecord(
                    time: Date(), objectKind: "Project", objectName: record.name, type: .normal, reason: "RepoRelinked",
                    message: "repo \(repo.fullName) has id \(repo.id) (re-created empty; it waits for a person's push)")])
            }
            return .failed("re-created \(repo.fullName) (id \(repo.id)) empty: it is a person's repo and Steward has no copy of "
                + "\(record.lastDeployCommit.map { String($0.prefix(12)) } ?? "it") (no mirror, no bundle); Steward does not fill it "
                + "with a template. Push your copy to \(branch): the next forge sync (`steward sync forge --once`, or the controller's) "
                + "finds it, and the project goes on from there")
        }
        let template = try ScaffoldTemplate(templates: templates)
        let worktree = FileManager.default.temporaryDirectory.appendingPathComponent("steward-recover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: worktree) }
        let workspace = LocalRepoWorkspace(mirrors: mirrors)
        if let head = try await workspace.checkout(repo, branch: branch, into: worktree) {
            return .done("\(repo.fullName) already holds \(branch) at \(head.prefix(12))")
        }
        try template.scaffold(into: worktree, name: record.name, brief: spec.brief ?? "")
        let scaffold = try await workspace.commit(
            repo, branch: branch, from: worktree,
            message: "Scaffold \(record.name) again: the repo was lost and Steward had no copy of it")
        return .done("re-created \(repo.fullName) (id \(repo.id)) and scaffolded it (\(scaffold.map { String($0.prefix(12)) } ?? "-")): "
            + "Steward had no copy of \(record.lastDeployCommit.map { String($0.prefix(12)) } ?? "any commit")")
    }

    /// The step's result (and a log line) for a repo refilled with `commit` and its history.
    private static func restoredResult(
        _ record: ProjectRecord, _ repo: ForgeRepository, branch: String, commit: GitObjectID, from source: GitMirrorRestore,
        logger: Logger
    ) -> RecoveryStepResult {
        let origin = source == .mirror ? "its mirror" : "Steward's bundle"
        logger.info("repo re-created", metadata: [
            "project": "\(record.name)", "repo": "\(repo.fullName)", "commit": "\(commit.hex)", "from": "\(source.rawValue)",
            "action": "recovery",
        ])
        return .done("re-created \(repo.fullName) (id \(repo.id)) with \(branch) at \(commit.hex.prefix(12)) and its history from \(origin)")
    }
}
