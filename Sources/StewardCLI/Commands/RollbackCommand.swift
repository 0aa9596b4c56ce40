import ArgumentParser
import Foundation
import StewardCore
import StewardGit
import StewardModel
import StewardPO

/// `steward rollback PROJECT [--to COMMIT | --steps N]`: as `argocd app rollback`, but through git: a commit to the
/// config repo pins the project's `spec.ref` to a commit it deployed before, so the rollback is reviewed history,
/// never a silent bypass. The next reconcile (or `steward run`) deploys it. `--no-commit`, for emergencies, pins the
/// project in the state instead and deploys at once; it shows as `Pinned=True` until the manifest changes or `--unpin`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Pin a project's spec.ref to a commit it deployed before, as a commit to the config repo.",
        discussion: """
            The commits come from the project's deploy history (`steward describe project NAME` lists its runs). \
            --steps 1 (the default) is the last successfully deployed commit before the current one. The commit goes \
            onto --ref (a branch) of --config-repo; a local path is written in place, a URL is cloned and pushed. \
            To undo, set spec.ref back (the commit's message and the line's comment say what it was). \
            --no-commit (an emergency, when the config repo cannot take a commit now): nothing goes to git; the pin is \
            kept in the state dir, the project deploys that commit at once (this command runs its reconcile) and is \
            marked Pinned=True (get, describe, the API) until its manifest changes in any way, or `--unpin`, which \
            deploys what spec.ref says again. Exit 0 committed (or pinned and deployed, or unpinned and deployed); \
            1 errors (no such project, no earlier deploy, a commit it never deployed, a manifest that cannot be \
            edited, a failed deploy).
            """)

    @Argument(help: "The project to roll back.")
    var project: String

    @Option(help: ArgumentHelp("A commit the project deployed before (7 or more hex digits).", valueName: "commit"))
    var to: String?

    @Option(help: ArgumentHelp("How many earlier deployed commits to go back.", valueName: "n"))
    var steps: Int?

    @Flag(help: "Emergency: pin the project in the state (not git) and deploy at once; Pinned=True until its manifest changes.")
    var noCommit = false

    @Flag(help: "End a --no-commit pin and deploy what spec.ref says again.")
    var unpin = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if to != nil, steps != nil { throw ValidationError("give --to or --steps, not both") }
        if unpin, noCommit || to != nil || steps != nil { throw ValidationError("--unpin takes no --to, --steps or --no-commit") }
        if let steps, steps < 1 { throw ValidationError("--steps must be 1 or more") }
        if let to, to.count < 7 || !to.allSatisfy(\.isHexDigit) {
            throw ValidationError("--to expects a commit id (7 or more hex digits), found \"\(to)\"")
        }
    }

    func run() async throws {
        let wiring = Wiring(global)
        if unpin || noCommit, wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        let store = try wiring.openStore(readOnly: !(unpin || noCommit))
        if unpin { return try await self.unpin(store: store) }
        guard let record = try await store.project(named: project) else {
            throw CommandFailure("no project named \(project) in \(global.stateDirectory.path)")
        }
        guard let path = record.manifestPath else {
            throw CommandFailure("project \(project) has no manifest in the config repo (it was discovered on the forge): nothing to pin")
        }
        let history = Self.deployedCommits(try await store.runs(project: project, limit: 200))
        let current = record.lastDeployCommit
        let earlier = history.filter { $0.commit != current }
        let target: (commit: String, at: Date)
        if let to {
            guard let match = history.first(where: { $0.commit.lowercased().hasPrefix(to.lowercased()) }) else {
                throw CommandFailure("project \(project) never deployed \(to) successfully; deployed commits, newest first: "
                    + (history.isEmpty ? "none" : history.prefix(10).map { String($0.commit.prefix(12)) }.joined(separator: ", ")))
            }
            guard match.commit != current else { throw CommandFailure("project \(project) runs \(match.commit.prefix(12)) already") }
            target = match
        } else {
            let n = steps ?? 1
            guard n <= earlier.count else {
                throw CommandFailure("project \(project) has \(earlier.count) earlier deployed commit\(earlier.count == 1 ? "" : "s") "
                    + "(its deploy history), not \(n)")
            }
            target = earlier[n - 1]
        }
        if noCommit { return try await pin(record, to: target, store: store) }
        let branch = global.ref.hasPrefix("refs/heads/") ? String(global.ref.dropFirst("refs/heads/".count)) : global.ref
        let writer = GitConfigRepoWriter(
            url: try global.resolvedConfigRepo(), branch: branch,
            scratchDirectory: global.stateDirectory.appendingPathComponent("tmp", isDirectory: true))
        let name = project
        let commit = target.commit
        let previous = PreviousRef()
        let message = "steward rollback: pin \(name) to \(commit.prefix(12))\n\n"
            + "Deployed before at \(ISO8601DateFormatter().string(from: target.at)); running \(current.map { String($0.prefix(12)) } ?? "nothing") now.\n"
            + "Set spec.ref back to return to the branch or tag it followed."
        let id: String
        do {
            id = try await writer.commit(path: path, message: message) { data in
                guard let data else { throw ProductOwnerError("\(path) is not in the config repo at \(branch)") }
                let edited = try ManifestRefEditor().pin(String(decoding: data, as: UTF8.self), path: path, project: name, to: commit)
                previous.set(edited.previous)
                return Data(edited.text.utf8)
            }
        } catch let error as ProductOwnerError {
            throw CommandFailure("\(error)")
        } catch {
            throw CommandFailure("could not commit the rollback to \(writer.url) \(branch): \(error)")
        }
        print("committed \(id.prefix(12)) to \(branch): project \(name) spec.ref \(previous.value ?? "?") -> \(commit.prefix(12)) "
            + "(deployed \(ISO8601DateFormatter().string(from: target.at))); the next reconcile deploys it")
    }

    /// `--no-commit`: the pin (and its event) first, then this project's reconcile, which deploys the pinned commit.
    private func pin(_ record: ProjectRecord, to target: (commit: String, at: Date), store: any StateStore) async throws {
        guard let specHash = record.specHash else {
            throw CommandFailure("project \(project) has no recorded manifest to pin against: reconcile it first")
        }
        let now = Date()
        let reason = "rolled back from \(record.lastDeployCommit.map { String($0.prefix(12)) } ?? "nothing") at \(ISO8601DateFormatter().string(from: now))"
        try await store.setPin(
            project: project, Pin(project: project, commit: target.commit, specHash: specHash, reason: reason, since: now),
            events: [EventRecord(time: now, objectKind: "Project", objectName: project, type: .warning, reason: "Pinned",
                message: "steward rollback --no-commit: deploys \(target.commit.prefix(12)) instead of spec.ref until the manifest changes")])
        print("project \(project) pinned to \(target.commit.prefix(12)) (deployed \(ISO8601DateFormatter().string(from: target.at))) "
            + "in the state, not in git; deploying it now")
        try await deployNow(verb: "the pinned commit")
    }

    /// `--unpin`: the pin goes, and the project deploys what its spec.ref resolves to.
    private func unpin(store: any StateStore) async throws {
        guard try await store.pin(project: project) != nil else {
            throw CommandFailure("project \(project) is not pinned (steward rollback --no-commit pins it)")
        }
        try await store.setPin(project: project, nil, events: [EventRecord(time: Date(), objectKind: "Project", objectName: project,
            reason: "Unpinned", message: "steward rollback --unpin: follows spec.ref again")])
        print("project \(project) unpinned; deploying what spec.ref says")
        try await deployNow(verb: "spec.ref's commit")
    }

    /// This project's reconcile, now (holding its key beside a controller).
    private func deployNow(verb: String) async throws {
        let report = try await ReconcileCommand.pass(global: global, dryRun: false, project: project)
        ReconcileCommand.printSummary(report)
        if !report.failures.isEmpty { throw CommandFailure("deploying \(verb) failed: \(report.failures.joined(separator: "; "))") }
    }

    /// Successfully deployed commits, newest first, each once (at its latest deploy).
    static func deployedCommits(_ runs: [RunRecord]) -> [(commit: String, at: Date)] {
        var seen: Set<String> = []
        var result: [(commit: String, at: Date)] = []
        for run in runs where run.kind == "deploy" && run.status == .succeeded {
            guard let commit = run.commit, !seen.contains(commit) else { continue }
            seen.insert(commit)
            result.append((commit, run.finishedAt ?? run.startedAt))
        }
        return result
    }
}

/// The ref the edit replaced, handed out of the writer's `@Sendable` closure.
private final class PreviousRef: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    var value: String? { lock.withLock { stored } }
    func set(_ value: String) { lock.withLock { stored = value } }
}
