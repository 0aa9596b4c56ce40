import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardAgents
import StewardStore

/// `steward describe project|server NAME`: everything Steward knows of one project or server.
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show one project's or server's state, conditions, events and recent Ansible runs.")

    /// What to describe.
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case project
        case server
    }

    @Argument(help: "project or server")
    var kind: Kind

    @Argument(help: "Its name.")
    var name: String

    @OptionGroup var global: GlobalOptions

    /// Open incidents, conditions and the last 20 events of the object: the part projects and servers share.
    private func sharedSections(
        kind: String, conditions: [Condition], store: SQLStateStore, formatter: ISO8601DateFormatter
    ) async throws -> [String] {
        var lines: [String] = []
        let open = try await store.incidents(openOnly: true).filter { $0.objectKind == kind && $0.objectName == name }
        if !open.isEmpty {
            lines.append("Incidents:")
            for incident in open {
                lines.append("  #\(incident.id ?? 0) \(incident.severity.rawValue) \(incident.kind.rawValue) \(incident.status.rawValue) "
                    + "since \(formatter.string(from: incident.openedAt)): \(incident.message)")
            }
        }
        lines.append("Conditions:")
        for condition in conditions {
            lines.append("  \(condition.type)=\(condition.status.rawValue) \(condition.reason): \(condition.message) "
                + "(since \(formatter.string(from: condition.lastTransitionTime)))")
        }
        lines.append("Events:")
        for event in try await store.events(objectKind: kind, objectName: name, limit: 20) {
            lines.append("  \(formatter.string(from: event.time))  \(event.type.rawValue)  \(event.reason)  \(event.message)")
        }
        return lines
    }

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        if kind == .server { return try await describeServer(store: store) }
        guard let project = try await store.project(named: name) else {
            throw CommandFailure("no project named \(name) in \(global.stateDirectory.path)")
        }
        let formatter = ISO8601DateFormatter()
        var lines = [
            "Name:          \(project.name)",
            "Phase:         \(project.phase.rawValue)" + (project.resumePhase.map { " (resumes at \($0.rawValue))" } ?? ""),
            "Repo:          \(project.repo ?? "-")" + (project.githubRepoID.map { " (id \($0))" } ?? "")
                + (project.repoOrigin.map { ", \($0 == .created ? "created by Steward" : "adopted: agents only propose changes")" } ?? "")
                + (project.archived ? " (archived)" : "") + (project.failCount > 0 ? " (\(project.failCount) failed checks)" : ""),
            "Proposal:      " + (project.proposal.map { "\($0.summary), waiting for a person to merge it" } ?? "none"),
            "Manifest:      \(project.manifestPath ?? "-")" + (project.orphaned ? " (removed from the config repo)" : ""),
            "Generation:    \(project.generation) (observed \(project.observedGeneration))",
            "Server:        \(project.server ?? "-")" + (project.port.map { ":\($0)" } ?? ""),
            "Deployed:      " + (project.lastDeployCommit.map { "\($0) at \(project.lastDeployedAt.map(formatter.string) ?? "?")" } ?? "never"),
            "Input hash:    \(project.lastDeployInputHash ?? "-")",
        ]
        if let pinned = project.conditions[Condition.pinned], pinned.status == .true {
            // Loud: what runs is not what git says.
            lines.insert("PINNED:        \(pinned.message)", at: 1)
        }
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
        if let spec = project.spec, !spec.changes.isEmpty {
            lines.append("Changes:       " + spec.changes.map {
                "\($0.id) (\(project.implementedChanges.contains($0.id) ? "implemented" : "pending"))"
            }.joined(separator: ", "))
        }
        // The statuses are the record's (the runner keeps them current); the thread adds its position and question.
        let statuses = "\(project.engineeringStatus.rawValue) (zavhoz \(project.zavhozStatus.rawValue)"
        if let thread = try await ProjectThreadStatus.read(
            checkpointer: SQLCheckpointer(store: store), project: name, generation: project.generation)
        {
            lines.append("Engineering:   \(statuses)"
                + (thread.server.map { ", server \($0)" } ?? "") + "); thread \(thread.thread) \(thread.status) at step \(thread.step)"
                + (thread.outcome.isEmpty ? "" : ": \(thread.outcome)"))
            if let question = thread.question { lines.append("Question:      \(question)") }
        } else {
            lines.append("Engineering:   \(statuses)); no agent thread for generation \(project.generation)")
        }
        lines += try await sharedSections(kind: "Project", conditions: project.conditions, store: store, formatter: formatter)
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
        print(lines.joined(separator: "\n").escapingControlCharacters(keepingNewlines: true))
    }

    private func describeServer(store: SQLStateStore) async throws {
        guard let server = try await store.server(named: name) else {
            throw CommandFailure("no server named \(name) in \(global.stateDirectory.path)")
        }
        let formatter = ISO8601DateFormatter()
        var lines = [
            "Name:          \(server.name)",
            "Status:        \(server.status.rawValue)" + (server.failCount > 0 ? " (\(server.failCount) failed checks in a row)" : ""),
            "Manifest:      \(server.manifestPath ?? "-")" + (server.orphaned ? " (removed from the config repo)" : ""),
            "Generation:    \(server.generation) (observed \(server.observedGeneration))",
        ]
        if let spec = server.spec {
            lines.append("Spec:          \(spec.address):\(spec.port) \(spec.connection.rawValue), user \(spec.user), "
                + "bootstrap user \(spec.bootstrapUser), capacity \(spec.capacity.memoryMB) MB, ports \(spec.capacity.ports)"
                + (spec.labels.isEmpty ? "" : ", labels " + spec.labels.keys.sorted().map { "\($0)=\(spec.labels[$0]!)" }.joined(separator: ",")))
            if spec.connection == .ssh {
                lines.append("Host key pin:  " + (spec.hostKey.map { "\(HostKey($0)?.type ?? "?") \(HostKey.fingerprint(of: $0))" } ?? "none (trust on first use)"))
            }
        }
        if server.spec?.connection != .local {
            lines.append("Trusted key:   " + (server.hostKey.map { "\(HostKey($0)?.type ?? "?") \(HostKey.fingerprint(of: $0))" } ?? "none yet"))
        }
        lines.append("Last seen:     \(server.lastSeenAt.map(formatter.string) ?? "never")"
            + " (last checked \(server.lastCheckedAt.map(formatter.string) ?? "never"))")
        lines.append("Provisioned:   " + (server.spec?.connection == .local ? "not needed (local connection)"
            : server.provisionedHash.map { "inputs \($0.prefix(12))" } ?? "no")
            + (server.provisionAttempts > 0 ? " (\(server.provisionAttempts) failed attempts)" : ""))
        if let facts = server.facts {
            lines.append("Facts:")
            lines.append("  OS:          \(facts.os ?? "-"), kernel \(facts.kernel ?? "-"), python \(facts.python ?? "-")"
                + (facts.hasSystemd ? ", systemd" : ", no systemd"))
            lines.append("  Memory:      \(facts.memoryMB.map { "\($0) MB" } ?? "-")"
                + (facts.memoryFreeMB.map { " (\($0) MB available)" } ?? ""))
            lines.append("  Disk free:   \(facts.diskFreeMB.map { "\($0) MB" } ?? "-") (\(facts.appsDirectory ?? "-"))")
        }
        lines.append("Deployed:")
        for project in server.deployMarkers.keys.sorted() {
            let marker = server.deployMarkers[project]!
            lines.append("  \(project): \(marker.commit.prefix(12)) port \(marker.port) \(marker.strategy)"
                + (marker.slot.map { " slot \($0)" } ?? "") + " at \(marker.time)")
        }
        lines += try await sharedSections(kind: "Server", conditions: server.conditions, store: store, formatter: formatter)
        lines.append("Runs:")
        for run in try await store.runs(server: name, limit: 6) {
            lines.append("  #\(run.id ?? 0) \(run.kind) \(run.status.rawValue) \(run.playbook) started \(formatter.string(from: run.startedAt))"
                + (run.finishedAt.map { " (\(Int($0.timeIntervalSince(run.startedAt) * 1000)) ms)" } ?? "")
                + (run.failedTask.map { " failed task \"\($0)\" on \(run.failedHost ?? "?")" } ?? ""))
            for task in run.tasks where task.status == .failed || task.status == .unreachable {
                lines.append("      \(task.status.rawValue) \(task.host)  \(task.task): \(task.message ?? "-")")
            }
        }
        print(lines.joined(separator: "\n").escapingControlCharacters(keepingNewlines: true))
    }
}
