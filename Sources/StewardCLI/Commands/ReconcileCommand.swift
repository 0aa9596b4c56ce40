import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardStore

/// `steward reconcile --once`: one level-triggered pass over the config repo.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Fetch the config repo, plan, and act (register, deploy with Ansible, flag removals).",
        discussion: "Exit codes: 0 converged (every project active or at its stage, every declared server ready, no open critical incident); 2 not converged yet (waiting for a repo, secrets, a server; a server not ready; a critical incident open); 1 errors.")

    @Flag(help: "Run one pass and exit (the continuous controller is `steward run`).")
    var once = false

    @Flag(help: "Show what would be done; change nothing.")
    var dryRun = false

    @Option(help: "Limit project work to this project.")
    var project: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard once else { throw ValidationError("pass --once (the continuous controller is `steward run`)") }
    }

    func run() async throws {
        let report = try await ReconcileCommand.pass(global: global, dryRun: dryRun, project: project)
        if dryRun { PlanCommand.printPlan(report) } else { Self.printSummary(report) }
        switch report.outcome {
        case .converged: return
        case .progressing: throw ExitCode(2)
        case .failed: throw ExitCode(1)
        }
    }

    /// Wires the adapters and runs one pass.
    static func pass(global: GlobalOptions, dryRun: Bool, project: String?, answer: String? = nil) async throws -> ReconcileReport {
        let wiring = Wiring(global)
        let library = try wiring.playbooks()
        // A dry run writes only caches; a real pass holds the state dir (or, beside `steward run`, the keys it acts
        // on) for its whole length.
        if !dryRun, wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        // A plan can be made from a state dir nobody may write (a read-only mount, a copy kept for an audit): from its
        // database and the config commit fetched last, and it says so.
        let readOnly = dryRun && wiring.stateIsReadOnly
        if readOnly {
            wiring.logger.warning("""
                the state dir \(global.stateDirectory.path) is read-only: planning against the config commit fetched \
                into it last, without fetching; nothing is cached
                """)
        }
        let store = try wiring.openStore(readOnly: readOnly)
        let access = dryRun ? nil : try await StateAccess.oneShot(answer == nil ? "reconcile" : "answer", store: store, logger: wiring.logger)
        // Alone on the state dir, a project thread's lease left in the store belongs to a process that died.
        if access?.isAlone == true { try await SQLCheckpointer(store: store).releaseStaleLeases(threadPrefix: "project/") }
        let source = try wiring.configSource(fetching: !readOnly)
        let reconciler = wiring.reconciler(store: store, source: source, library: library)
        var options = ReconcileOptions(dryRun: dryRun, project: project, answer: answer)
        if let access {
            options.alone = access.isAlone
            let logger = wiring.logger
            options.takeKeys = { keys in try await access.leases.acquire(keys, logger: logger) }
        }
        let result = await Result(catching: { try await reconciler.reconcile(options) })
        await access?.release()
        do {
            return try result.get()
        } catch let error as ValidationError {
            throw error
        } catch let error as CommandFailure {
            throw error
        } catch {
            wiring.logger.error("\(error)")
            throw ExitCode(1)
        }
    }

    static func printSummary(_ report: ReconcileReport) {
        let commit = report.revision.commit.map { String($0.prefix(12)) } ?? report.revision.ref
        print("config \(commit): \(report.actions.count) actions, \(report.playbookRuns) ansible-playbook runs, "
            + "\(report.diagnostics.filter { $0.severity == .error }.count) manifest errors")
        // One line each, whatever the message holds (an agent's multi-line question, control characters).
        for failure in report.failures { print("failed: \(failure.escapingControlCharacters())") }
        for pending in report.pending { print("pending: \(pending.escapingControlCharacters())") }
        if !report.pending.isEmpty {
            func count(_ prefix: String) -> Int { report.pending.filter { $0.hasPrefix(prefix) }.count }
            print("pending: \(count("Project/")) projects, \(count("Server/")) servers, "
                + "\(count("Incident ")) critical incidents")
        }
        print("result: \(report.outcome.rawValue)")
    }
}

/// `steward plan`: what a reconcile would do, without doing it.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a reconcile would change. No side effects (beyond fetching and caching).",
        discussion: "Exit codes: 0 no changes; 2 changes pending; 1 errors.")

    @Option(help: "Limit project work to this project.")
    var project: String?

    @Option(name: [.customShort("o"), .long], help: "text or json (every action: its object, name and summary).")
    var output: DiffCommand.Output = .text

    @OptionGroup var global: GlobalOptions

    /// One action of `plan -o json`.
    struct PlannedAction: Encodable {
        var object: String
        var action: String
        var summary: String
    }

    func run() async throws {
        let report = try await ReconcileCommand.pass(global: global, dryRun: true, project: project)
        if output == .json {
            printJSON(report.actions.map { PlannedAction(object: $0.key, action: $0.name, summary: $0.summary) })
        } else {
            Self.printPlan(report)
        }
        if report.diagnostics.hasErrors { throw ExitCode(1) }
        if !report.actions.isEmpty { throw ExitCode(2) }
    }

    static func printPlan(_ report: ReconcileReport) {
        for diagnostic in report.diagnostics { print("\(diagnostic)".escapingControlCharacters()) }
        let commit = report.revision.commit.map { String($0.prefix(12)) } ?? report.revision.ref
        if report.actions.isEmpty {
            // With manifest errors nothing can be said to match: the errors above are the answer.
            if !report.diagnostics.hasErrors { print("No changes: Steward's state matches config \(commit).") }
            return
        }
        print("Plan for config \(commit): \(report.actions.count) action\(report.actions.count == 1 ? "" : "s")")
        for action in report.actions { print("  \(action.key): \(action.summary)".escapingControlCharacters()) }
    }
}
