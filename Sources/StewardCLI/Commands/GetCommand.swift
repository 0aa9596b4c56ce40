import ArgumentParser
import Foundation
import StewardCore
import StewardModel

/// `steward get projects|servers [-o json]`.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "List projects, servers or incidents from Steward's state (read-only).")

    /// What to list.
    enum Resource: String, ExpressibleByArgument, CaseIterable {
        case projects
        case servers
        case incidents
    }

    /// Output style.
    enum Output: String, ExpressibleByArgument, CaseIterable {
        case table
        case json
    }

    @Argument(help: "projects, servers or incidents")
    var resource: Resource

    @Option(name: .shortAndLong, help: "table or json")
    var output: Output = .table

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        switch resource {
        case .projects:
            let projects = try await store.projects()
            if output == .json { return printJSON(projects) }
            var lastSync: [String: String] = [:]
            for owner in Set(projects.compactMap { $0.repo?.split(separator: "/").first.map(String.init) }) {
                lastSync[owner] = try await store.forgeSyncState(owner: owner)?.lastSuccessAt.map(ISO8601DateFormatter().string) ?? "-"
            }
            var table = TextTable(header: [
                "NAME", "PHASE", "REPO", "REPO-ID", "SERVER", "PORT", "COMMIT", "GEN", "FAILS", "SYNCED", "HEALTH", "READY",
            ])
            let health = Dictionary(try await store.healthChecks().map { ($0.project, $0) }, uniquingKeysWith: { first, _ in first })
            for project in projects {
                let ready = project.conditions[Condition.ready]
                let flags = (project.orphaned ? " (orphaned)" : "") + (project.archived ? " (archived)" : "")
                    + (project.conditions[Condition.suspended]?.status == .true ? " (suspended)" : "")
                    + (project.conditions[Condition.pinned]?.status == .true ? " (pinned)" : "")
                let owner = project.repo?.split(separator: "/").first.map(String.init) ?? ""
                table.rows.append([
                    project.name, project.phase.rawValue + flags, project.repo ?? "-",
                    project.githubRepoID.map(String.init) ?? "-",
                    project.server ?? "-", project.port.map(String.init) ?? "-",
                    project.lastDeployCommit.map { String($0.prefix(7)) } ?? "-",
                    "\(project.observedGeneration)/\(project.generation)", "\(project.failCount)", lastSync[owner] ?? "-",
                    health[project.name].map { $0.downSince != nil ? "down" : $0.consecutiveFailures > 0
                        ? "failing (\($0.consecutiveFailures))" : $0.lastStatus.rawValue } ?? "-",
                    ready.map { "\($0.status.rawValue): \($0.message)" } ?? "-",
                ])
            }
            print(table.render())
        case .servers:
            let servers = try await store.servers()
            if output == .json { return printJSON(servers) }
            let formatter = ISO8601DateFormatter()
            var table = TextTable(header: [
                "NAME", "STATUS", "ADDRESS", "CONNECTION", "PORTS", "FAILS", "LAST-SEEN", "MEMORY", "OS",
            ])
            for server in servers {
                let memory = server.facts?.memoryMB.map { total in
                    server.facts?.memoryFreeMB.map { "\($0)/\(total) MB free" } ?? "\(total) MB"
                }
                table.rows.append([
                    server.name, server.status.rawValue + (server.orphaned ? " (orphaned)" : "")
                        + (server.conditions[Condition.suspended]?.status == .true ? " (suspended)" : ""),
                    server.spec.map { "\($0.address):\($0.port)" } ?? "-", server.spec?.connection.rawValue ?? "-",
                    server.spec?.capacity.ports.description ?? "-", "\(server.failCount)",
                    server.lastSeenAt.map(formatter.string) ?? "-", memory ?? "-", server.facts?.os ?? "-",
                ])
            }
            print(table.render())
        case .incidents:
            let incidents = try await store.incidents(openOnly: false)
            if output == .json { return printJSON(incidents) }
            let formatter = ISO8601DateFormatter()
            var table = TextTable(header: ["ID", "KIND", "SEVERITY", "STATUS", "OBJECT", "OPENED", "MESSAGE"])
            for incident in incidents {
                table.rows.append([
                    "\(incident.id ?? 0)", incident.kind.rawValue, incident.severity.rawValue, incident.status.rawValue,
                    "\(incident.objectKind)/\(incident.objectName)", formatter.string(from: incident.openedAt), incident.message,
                ])
            }
            print(table.render())
        }
    }
}

/// Prints a value as pretty JSON with sorted keys and ISO 8601 dates.
func printJSON<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    print(String(decoding: data, as: UTF8.self))
}
