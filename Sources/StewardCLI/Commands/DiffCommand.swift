import ArgumentParser
import Foundation
import StewardCore
import StewardGit
import StewardModel

/// `steward diff [--project NAME] [-o text|json]`: what a reconcile would change and why, field by field, as
/// `flux diff` and `argocd app diff --exit-code`: the manifest's fields against the spec Steward recorded, and for a
/// deploy the app commit it moves from and to (with the commits between them), the server and the port.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a reconcile would change, field by field (exit 1 when anything would).",
        discussion: """
            Plans as `steward plan` does (fetching the config repo, asking the forge for each repo's commit; it writes \
            nothing but those caches) and, per object, prints the manifest fields that differ from the spec Steward \
            recorded (a project's env key by key), and for a deploy the app commit it moves from and to with the \
            commits between them (when a local copy of the repo has both: the local forge, or the GitHub mirror in \
            the state dir), the server and the port. Exit codes, as flux diff: 0 no changes; 1 changes; 2 errors.
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "Only this project.")
    var project: String?

    @Option(name: [.customShort("o"), .long], help: "text or json.")
    var output: Output = .text

    @OptionGroup var global: GlobalOptions

    /// What changes for one object.
    struct ObjectDiff: Encodable {
        var object: String
        var file: String?
        var fields: [FieldChange]
        var deploy: DeployChange?
        /// Every planned action, as `steward plan` words it.
        var actions: [String]
    }

    struct DeployChange: Encodable {
        var repo: String
        var fromCommit: String?
        var toCommit: String
        /// `git log from..to`, newest first (at most 50); nil when no local copy holds both.
        var commits: [Commit]?
        var fromServer: String?
        var toServer: String
        var fromPort: Int?
        var toPort: Int?
        var reason: String
        /// The recorded deploy inputs that differ from the new deploy's (playbook files, secret versions, the server's
        /// spec or facts…); nil when the last deploy's run did not record them (an older Steward).
        var inputs: [InputChange]?
    }

    /// One deploy input that changed (`DeployInputs.components`); values that are hashes are shortened.
    struct InputChange: Encodable {
        var input: String
        var from: String?
        var to: String?
    }

    struct Commit: Encodable {
        var id: String
        var subject: String
    }

    func run() async throws {
        let changed: Bool
        do {
            changed = try await diff()
        } catch let exit as ExitCode {
            // The plan's own errors (exit 1 elsewhere) are exit 2 here: 1 means "changes".
            throw exit.rawValue == 0 ? exit : ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if changed { throw ExitCode(1) }
    }

    /// Prints the differences. - Returns: whether there are any.
    private func diff() async throws -> Bool {
        let report = try await ReconcileCommand.pass(global: global, dryRun: true, project: project)
        if report.diagnostics.hasErrors {
            for diagnostic in report.diagnostics { FileHandle.standardError.write(Data("\(diagnostic)\n".escapingControlCharacters().utf8)) }
            throw ExitCode(2)
        }
        let store = try Wiring(global).openStore(readOnly: true)
        var order: [String] = []
        var byKey: [String: [Action]] = [:]
        for action in report.actions {
            if byKey[action.key] == nil { order.append(action.key) }
            byKey[action.key, default: []].append(action)
        }
        var diffs: [ObjectDiff] = []
        for key in order {
            let actions = byKey[key]!
            var diff = ObjectDiff(object: key, fields: [], actions: actions.map(\.summary))
            let name = String(key.split(separator: "/", maxSplits: 1).last ?? "")
            if key.hasPrefix("Project/") {
                let record = try await store.project(named: name)
                diff.file = record?.manifestPath
                for action in actions {
                    switch action {
                    case .registerProject(let manifest), .updateProject(let manifest):
                        diff.file = manifest.location.file
                        diff.fields = SpecDiff.changes(from: record?.spec, to: manifest.spec)
                    case .deploy(let plan):
                        diff.deploy = DeployChange(
                            repo: plan.spec.repo, fromCommit: record?.lastDeployCommit, toCommit: plan.repo.commit,
                            commits: commits(plan.repo.cloneURL, from: record?.lastDeployCommit, to: plan.repo.commit),
                            fromServer: record?.server, toServer: plan.server.name, fromPort: record?.port, toPort: plan.port,
                            reason: plan.reason,
                            inputs: try await inputChanges(plan, record: record, store: store))
                    default: break
                    }
                }
            } else {
                let record = try await store.server(named: name)
                diff.file = record?.manifestPath
                for case .registerServer(let manifest) in actions { (diff.file, diff.fields) = (manifest.location.file, SpecDiff.changes(from: record?.spec, to: manifest.spec)) }
                for case .updateServer(let manifest) in actions { (diff.file, diff.fields) = (manifest.location.file, SpecDiff.changes(from: record?.spec, to: manifest.spec)) }
            }
            diffs.append(diff)
        }
        switch output {
        case .json: printJSON(diffs)
        case .text: print(Self.render(diffs, commit: report.revision.commit ?? report.revision.ref).escapingControlCharacters(keepingNewlines: true))
        }
        return !diffs.isEmpty
    }

    /// What differs between the inputs the last deploy recorded (its run with the recorded input hash) and this deploy's,
    /// input by input, leaving out what the deploy line shows already (commit, server, port).
    private func inputChanges(_ plan: DeployPlan, record: ProjectRecord?, store: any StateStore) async throws -> [InputChange]? {
        guard let record, let last = record.lastDeployInputHash,
            let run = try await store.runs(project: plan.project, limit: 20).first(where: { $0.kind == "deploy" && $0.inputHash == last }),
            let before = run.inputs
        else { return nil }
        let after = plan.inputs(port: plan.port ?? record.port ?? 0, slotPorts: plan.slotPorts ?? []).components
        let shown: Set<String> = ["commit", "server", "port", "cloneURL"]
        return Set(before.keys).union(after.keys).subtracting(shown).sorted().compactMap { key in
            before[key] == after[key] ? nil : InputChange(input: Self.inputName(key), from: before[key], to: after[key])
        }
    }

    /// How `diff` names a recorded input.
    static func inputName(_ key: String) -> String {
        switch key {
        case "playbook": "playbook files"
        case "serverInputs": "server spec and deploy-relevant facts"
        case "projectSpecHash": "project spec"
        case "secretVersions": "secret versions"
        case "slotPorts": "blue/green slot ports"
        default: key
        }
    }

    /// The commits between the deployed commit and the new one, from a local copy that holds both; nil without.
    private func commits(_ cloneURL: String, from old: String?, to new: String) -> [Commit]? {
        guard let old, old != new, let oldID = GitObjectID(hex: old), let newID = GitObjectID(hex: new) else { return nil }
        let directory: URL?
        if cloneURL.hasPrefix("file://") {
            directory = URL(string: cloneURL).map { URL(fileURLWithPath: $0.path) }
        } else {
            directory = try? Wiring.mirrors(stateDirectory: global.stateDirectory, token: { "" }, tokenRejected: { _ in false })
                .directory(for: cloneURL)
        }
        guard let directory, FileManager.default.fileExists(atPath: directory.path),
            let summaries = try? GitRepository.open(at: directory).commits(after: oldID, through: newID, limit: 50)
        else { return nil }
        return summaries.map { Commit(id: $0.id.hex, subject: $0.subject) }
    }

    static func render(_ diffs: [ObjectDiff], commit: String) -> String {
        guard !diffs.isEmpty else { return "No changes: Steward's state matches config \(commit.prefix(12))." }
        var lines: [String] = []
        for diff in diffs {
            lines.append("\(diff.object)" + (diff.file.map { " (\($0))" } ?? ""))
            for field in diff.fields {
                switch (field.from, field.to) {
                case (nil, let to?): lines.append("  + \(field.field): \(oneLine(to))")
                case (let from?, nil): lines.append("  - \(field.field): \(oneLine(from))")
                case (let from?, let to?): lines.append("  ~ \(field.field): \(oneLine(from)) -> \(oneLine(to))")
                case (nil, nil): break
                }
            }
            if let deploy = diff.deploy {
                let commits = deploy.fromCommit == deploy.toCommit ? "at \(deploy.toCommit.prefix(12))"
                    : (deploy.fromCommit.map { "\($0.prefix(12)) -> " } ?? "") + "\(deploy.toCommit.prefix(12))"
                // Without recorded inputs (a deploy by an older Steward), said as what they can be.
                let why = deploy.reason == "inputs changed" && diff.fields.isEmpty && deploy.inputs == nil
                    ? "inputs changed: no manifest field did, so the playbook files, a secret's version or the server's facts did"
                    : deploy.reason
                lines.append("  deploy \(deploy.repo) \(commits) (\(why))")
                for commit in deploy.commits ?? [] { lines.append("      \(commit.id.prefix(12)) \(commit.subject)") }
                for input in deploy.inputs ?? [] where input.input != "project spec" || diff.fields.isEmpty {
                    lines.append("    ~ \(input.input): \(short(input.from)) -> \(short(input.to))")
                }
                if deploy.fromServer != deploy.toServer || deploy.fromPort != deploy.toPort {
                    lines.append("    to \(deploy.toServer):\(deploy.toPort.map(String.init) ?? "(a port to allocate)")"
                        + (deploy.fromServer.map { " (was \($0):\(deploy.fromPort.map(String.init) ?? "-"))" } ?? ""))
                }
            }
            for action in diff.actions where diff.fields.isEmpty && diff.deploy == nil { lines.append("  \(action)") }
        }
        return lines.joined(separator: "\n")
    }

    /// An input's value for a line: hashes shortened to 12 characters, nothing as "(none)".
    private static func short(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "(none)" }
        return value.split(separator: " ").map { $0.count == 64 && $0.allSatisfy(\.isHexDigit) ? String($0.prefix(12)) : String($0) }
            .joined(separator: " ")
    }

    /// A value on one line: a multi-line value (a brief) as its first line and how many more.
    private static func oneLine(_ value: String) -> String {
        let lines = value.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.count <= 1 ? value : "\(lines[0]) (+\(lines.count - 1) lines)"
    }
}
