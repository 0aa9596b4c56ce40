import ArgumentParser
import Dispatch
import Foundation
import StewardCore
import StewardModel

/// `steward logs [-f]`: the journal of the commands that acted on a state dir, as `flux logs` / `kubectl logs -f`.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the journal: every decision, Ansible task, phase change, incident and agent step (-f follows).",
        discussion: """
            Reads the state dir's database read-only (beside a running controller, or from a read-only copy). Lines are \
            kept for journal.maxAge (14 days) and journal.maxRows of steward.yaml. Exit 0; 1 when there is no state.
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Flag(name: [.short, .customLong("follow")], help: "Keep printing new lines as they are written (until Ctrl-C).")
    var follow = false

    @Option(help: "Only lines about this project.")
    var project: String?

    @Option(help: "Only lines about this server.")
    var server: String?

    @Option(help: ArgumentHelp("Only lines of the last DURATION (90s, 10m, 1h, 2d).", valueName: "duration"))
    var since: String?

    @Option(help: ArgumentHelp("Only lines at this level or above: debug, info, notice, warning (warn), error, critical.",
        valueName: "level"))
    var level: String?

    @Option(name: [.customShort("o"), .long], help: "text or json (one object per line).")
    var output: Output = .text

    @OptionGroup var global: GlobalOptions

    /// How often `-f` looks for new lines.
    static let pollInterval: Duration = .milliseconds(200)
    /// Lines read per query.
    static let batch = 1_000

    func validate() throws {
        if let since, Validation.durationSeconds(since) == nil {
            throw ValidationError("--since expects a duration such as 90s, 10m, 1h or 2d, found \"\(since)\"")
        }
        if let level, Self.level(level) == nil {
            throw ValidationError("--level expects one of \(JournalEntry.Level.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(level)\"")
        }
    }

    static func level(_ text: String) -> JournalEntry.Level? {
        text.lowercased() == "warn" ? .warning : JournalEntry.Level(rawValue: text.lowercased())
    }

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        let query = JournalQuery(
            project: project, server: server, minimumLevel: level.flatMap(Self.level),
            since: since.flatMap(Validation.durationSeconds).map { Date().addingTimeInterval(-Double($0)) })
        let stop = StopRequest()
        let sources = follow ? stop.listen(to: [SIGINT, SIGTERM]) : []
        defer { sources.forEach { $0.cancel() } }

        var last: Int64?
        while !stop.isRequested {
            let lines = try await store.journal(after: last, matching: query, limit: Self.batch)
            if !lines.isEmpty {
                // Written at once (not print's buffer): a follower reads lines as they come.
                let text = lines.map { Self.render($0, output: output) }.joined(separator: "\n") + "\n"
                do {
                    try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
                } catch {
                    return  // The reader went away (`steward logs | head`).
                }
                last = lines.last?.id ?? last
                if lines.count == Self.batch { continue }
            }
            guard follow else { return }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }

    /// One line: `TIME LEVEL message project=… key=value` (as the log handler's text) or a JSON object.
    static func render(_ entry: JournalEntry, output: Output) -> String {
        var fields = entry.fields
        if let project = entry.project { fields["project"] = project }
        if let server = entry.server { fields["server"] = server }
        if let action = entry.action { fields["action"] = action }
        let time = StewardLogHandler.timestamp(entry.time)
        switch output {
        case .text:
            let pairs = fields.keys.sorted().map { "\($0)=\(StewardLogHandler.quoteIfNeeded(fields[$0]!))" }
            let level = entry.level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)
            return ([time, level, entry.message] + pairs).joined(separator: " ").escapingControlCharacters()
        case .json:
            var object = fields
            object["id"] = entry.id.map(String.init)
            object["time"] = time
            object["level"] = entry.level.rawValue
            object["msg"] = entry.message
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
