import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardStore

/// `steward drift [--check] [PROJECT]`: whether servers still match what Steward deployed, found by running each
/// project's deploy in Ansible check mode (`--check --diff`) with the inputs it was deployed with.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Show (or --check now) whether deployed projects still match their servers (exit 1 on drift).",
        discussion: """
            Without --check: the last drift check of each project (or PROJECT), and for a drifted one each task that \
            would change with its diff. With --check: checks now, by running each deployed, active project's deploy \
            in Ansible check mode with the inputs it was deployed with, on its server, batched like deploys (nothing \
            on the servers changes); records the result (condition Drifted, an event, a journal line) and prints it. \
            Secrets are redacted from diffs, and a .env diff names keys, never values. A drifted project with \
            selfHeal (spec.selfHeal, or selfHeal in steward.yaml) is redeployed by the next reconcile. \
            `steward run` checks every intervals.driftCheck. Exit codes: 0 no drift; 1 drift; 2 errors (a check that \
            could not run).
            """)

    @Argument(help: "Only this project.") var project: String?
    @Flag(help: "Check now (Ansible check mode on the servers) instead of showing the last check.") var check = false
    @Option(name: [.customShort("o"), .long], help: "text or json.") var output: DiffCommand.Output = .text
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let records: [DriftRecord]
        var skipped: [String: String] = [:]
        var failures: [String] = []
        // A deploy that finished after a check wrote back what it found (the condition says Redeployed): not drift now.
        var redeployed: Set<String> = []
        do {
            if check {
                let report = try await Self.check(project: project, global: global)
                (records, skipped, failures) = (report.checked, report.skipped, report.failures)
            } else {
                let store = try Wiring(global).openStore(readOnly: true)
                if let project {
                    guard let record = try await store.drift(project: project) else {
                        let known = try await store.project(named: project) != nil
                        throw CommandFailure(known ? "project/\(project) was never checked for drift: steward drift --check \(project)"
                            : "no project named \(project) is registered in \(global.stateDirectory.path)")
                    }
                    records = [record]
                } else {
                    records = try await store.drifts()
                }
                for record in records {
                    if let deployed = try await store.project(named: record.project)?.lastDeployedAt, deployed > record.checkedAt {
                        redeployed.insert(record.project)
                    }
                }
            }
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("Error: \(failure)\n".utf8))
            throw ExitCode(2)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("Error: \(error)\n".escapingControlCharacters().utf8))
            throw ExitCode(2)
        }
        switch output {
        case .json: printJSON(Answer(projects: records, redeployedSince: redeployed.sorted(), skipped: skipped, failures: failures))
        case .text:
            print(Self.render(records, redeployed: redeployed, skipped: skipped, failures: failures)
                .escapingControlCharacters(keepingNewlines: true))
        }
        if !failures.isEmpty || records.contains(where: { $0.status == .failed }) { throw ExitCode(2) }
        if records.contains(where: { $0.status == .drifted && !redeployed.contains($0.project) }) { throw ExitCode(1) }
    }

    struct Answer: Encodable {
        var projects: [DriftRecord]
        /// Projects deployed after their last check: what it found was written back (`Drifted=False Redeployed`).
        var redeployedSince: [String]
        var skipped: [String: String]
        var failures: [String]
    }

    /// Wires the adapters and checks, holding the projects' keys (a running controller waits for them).
    static func check(project: String?, global: GlobalOptions) async throws -> DriftCheckReport {
        let wiring = Wiring(global)
        if wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        let library = try wiring.playbooks()
        let store = try wiring.openStore()
        let access = try await StateAccess.oneShot("drift", store: store, logger: wiring.logger)
        let reconciler = wiring.reconciler(store: store, source: try wiring.configSource(fetching: true), library: library)
        var options = DriftCheckOptions(project: project)
        let logger = wiring.logger
        options.takeKeys = { keys in try await access.leases.acquire(keys, logger: logger) }
        let result = await Result(catching: { try await reconciler.checkDrift(options) })
        await access.release()
        return try result.get()
    }

    static func render(
        _ records: [DriftRecord], redeployed: Set<String> = [], skipped: [String: String], failures: [String]
    ) -> String {
        var lines: [String] = []
        if records.isEmpty && skipped.isEmpty && failures.isEmpty {
            lines.append("no project was checked for drift yet (steward drift --check)")
        }
        let stamp = ISO8601DateFormatter()
        for record in records {
            var status = switch record.status {
            case .inSync: "in sync"
            case .drifted: "DRIFTED"
            case .failed: "check failed"
            }
            if redeployed.contains(record.project) {
                status = "redeployed since this check (what it found was written back; not checked since), was \(status.lowercased())"
            }
            lines.append("project/\(record.project): \(status) at commit \(record.commit.prefix(12)), checked \(stamp.string(from: record.checkedAt))"
                + (record.since.map { " (drifted since \(stamp.string(from: $0)))" } ?? ""))
            if record.status != .inSync { lines.append("  \(record.message)") }
            for task in record.tasks {
                lines.append("  ~ \(task.task) on \(task.host)")
                for line in (task.diff ?? "").split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty {
                    lines.append("      \(line)")
                }
            }
        }
        for name in skipped.keys.sorted() { lines.append("project/\(name): not checked: \(skipped[name]!)") }
        for failure in failures { lines.append("error: \(failure)") }
        return lines.joined(separator: "\n")
    }
}
