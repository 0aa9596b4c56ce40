import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardAgents
import StewardStore

/// `steward describe project NAME`: everything Steward knows of one project.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show one project's state, conditions, events and recent Ansible runs.")

    /// What to describe.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case project
    }

    @Argument(help: "project")
    var kind: Kind

    @Argument(help: "Its name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        guard let project = try await store.project(named: name) else {
            throw CommandFailure("no project named \(name) in \(global.stateDirectory.path)")
        }
        let formatter = ISO8601DateFormatter()
        var lines = [
            "Name:          \(project.name)",
            "Phase:         \(project.phase.rawValue)" + (project.resumePhase.map { " (resumes at \($0.rawValue))" } ?? ""),
            "Repo:          \(project.repo ?? "-")" + (project.githubRepoID.map { " (id \($0))" } ?? "")
                + (project.archived ? " (archived)" : "") + (project.failCount > 0 ? " (\(project.failCount) failed checks)" : ""),
            "Manifest:      \(project.manifestPath ?? "-")" + (project.orphaned ? " (removed from the config repo)" : ""),
            "Generation:    \(project.generation) (observed \(project.observedGeneration))",
            "Server:        \(project.server ?? "-")" + (project.port.map { ":\($0)" } ?? ""),
            "Deployed:      " + (project.lastDeployCommit.map { "\($0) at \(project.lastDeployedAt.map(formatter.string) ?? "?")" } ?? "never"),
            "Input hash:    \(project.lastDeployInputHash ?? "-")",
        ]
        if let spec = project.spec {
            lines.append("Spec:          stage \(spec.stage.rawValue), ref \(spec.ref), playbook \(spec.deploy.playbook), "
                + "strategy \(spec.deploy.strategy.rawValue), health \(spec.deploy.healthPath)"
                + (spec.suspend ? ", suspended" : ""))
            let secrets = spec.secretReferences
            if !secrets.isEmpty { lines.append("Secrets:       \(secrets.joined(separator: ", "))") }
        }
        if let health = try await store.healthCheck(project: name) {
            lines.append("Health:        \(health.lastStatus.rawValue)" + (health.lastCode.map { " (HTTP \($0))" } ?? "")
                + ", \(health.consecutiveFailures) failed in a row, checked \(formatter.string(from: health.lastCheckedAt))"
                + " at \(health.url)" + (health.lastError.map { ", last error: \($0)" } ?? "")
                + (health.downSince.map { ", down since \(formatter.string(from: $0))" } ?? ""))
        } else {
            lines.append("Health:        not checked" + (project.phase == .active ? " yet" : " (only active projects are)"))
        }
        if let thread = try await ProjectThreadStatus.read(
            checkpointer: SQLiteCheckpointer(store: store), project: name, generation: project.generation)
        {
            lines.append("Engineering:   \(thread.engineering.rawValue) (zavhoz \(thread.zavhoz.rawValue)"
                + (thread.server.map { ", server \($0)" } ?? "") + "); thread \(thread.thread) \(thread.status) at step \(thread.step)"
                + (thread.outcome.isEmpty ? "" : ": \(thread.outcome)"))
            if let question = thread.question { lines.append("Question:      \(question)") }
        } else {
            lines.append("Engineering:   idle (zavhoz idle); no agent thread for generation \(project.generation)")
        }
        let open = try await store.incidents(openOnly: true).filter { $0.objectKind == "Project" && $0.objectName == name }
        if !open.isEmpty {
            lines.append("Incidents:")
            for incident in open {
                lines.append("  #\(incident.id ?? 0) \(incident.severity.rawValue) \(incident.kind.rawValue) \(incident.status.rawValue) "
                    + "since \(formatter.string(from: incident.openedAt)): \(incident.message)")
            }
        }
        lines.append("Conditions:")
        for condition in project.conditions {
            lines.append("  \(condition.type)=\(condition.status.rawValue) \(condition.reason): \(condition.message) "
                + "(since \(formatter.string(from: condition.lastTransitionTime)))")
        }
        lines.append("Events:")
        for event in try await store.events(objectKind: "Project", objectName: name, limit: 20) {
            lines.append("  \(formatter.string(from: event.time))  \(event.type.rawValue)  \(event.reason)  \(event.message)")
        }
        lines.append("Runs:")
        for run in try await store.runs(project: name, limit: 5) {
            lines.append("  #\(run.id ?? 0) \(run.kind) \(run.status.rawValue) commit \(run.commit.map { String($0.prefix(12)) } ?? "-") "
                + "started \(formatter.string(from: run.startedAt))"
                + (run.failedTask.map { " failed task \"\($0)\" on \(run.failedHost ?? "?")" } ?? ""))
            for task in run.tasks {
                lines.append("      \(task.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(task.host)  \(task.task)  \(task.durationMs) ms"
                    + (task.message.map { ": \($0)" } ?? ""))
            }
        }
        print(lines.joined(separator: "\n"))
    }
}
