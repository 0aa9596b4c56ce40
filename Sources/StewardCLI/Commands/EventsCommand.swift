import ArgumentParser
import Foundation
import StewardCore
import StewardModel

/// `steward events [--project NAME] [--since 1h] [--watch]`: the Normal and Warning events with their reasons, as
/// `flux events` / `kubectl get events` show them.
struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print the events (Normal and Warning, with reasons) of projects and servers; --watch keeps printing new ones.",
        discussion: """
            Reads the state dir's database read-only (beside a running controller, or from a read-only copy). Without \
            --since, the newest --limit events. Exit 0; 1 when there is no state.
            """)

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case json
    }

    @Option(help: "Only the events of this project.")
    var project: String?

    @Option(help: "Only the events of this server.")
    var server: String?

    @Option(help: ArgumentHelp("Only events of the last DURATION (90s, 10m, 1h, 2d).", valueName: "duration"))
    var since: String?

    @Option(help: "At most this many events before --watch goes on (the newest).")
    var limit = 500

    @Flag(name: [.short, .customLong("watch")], help: "Keep printing new events as they are recorded (until Ctrl-C).")
    var watch = false

    @Option(name: [.customShort("o"), .long], help: "text or json (one object per line).")
    var output: Output = .text

    @OptionGroup var global: GlobalOptions

    /// How often `--watch` looks for new events.
    static let pollInterval: Duration = .milliseconds(250)

    func validate() throws {
        if let since, Validation.durationSeconds(since) == nil {
            throw ValidationError("--since expects a duration such as 90s, 10m, 1h or 2d, found \"\(since)\"")
        }
        if project != nil, server != nil { throw ValidationError("--project and --server cannot be combined") }
        if limit < 1 { throw ValidationError("--limit must be 1 or more") }
    }

    func run() async throws {
        let store = try Wiring(global).openStore(readOnly: true)
        let kind = project != nil ? "Project" : server != nil ? "Server" : nil
        let name = project ?? server
        let from = since.flatMap(Validation.durationSeconds).map { Date().addingTimeInterval(-Double($0)) }
        // The newest `limit` (of the window), oldest first; then everything recorded after the last one.
        var events = try await store.events(objectKind: kind, objectName: name, limit: limit)
        if let from { events.removeAll { $0.time < from } }
        let stop = StopRequest()
        let sources = watch ? stop.listen(to: [SIGINT, SIGTERM]) : []
        defer { sources.forEach { $0.cancel() } }
        var printedHeader = output == .json
        var last = events.compactMap(\.id).max()
        if last == nil, watch {
            last = try await store.events(objectKind: nil, objectName: nil, limit: 1).last?.id ?? 0
        }
        if events.isEmpty, !watch { FileHandle.standardError.write(Data("no events\n".utf8)) }
        while true {
            if !events.isEmpty {
                var text = events.map { render($0) }.joined(separator: "\n") + "\n"
                if !printedHeader {
                    text = Self.header + "\n" + text
                    printedHeader = true
                }
                do {
                    try FileHandle.standardOutput.write(contentsOf: Data(text.utf8))
                } catch {
                    return  // The reader went away (`steward events | head`).
                }
                last = events.compactMap(\.id).max() ?? last
            }
            guard watch, !stop.isRequested else { return }
            try? await Task.sleep(for: Self.pollInterval)
            guard !stop.isRequested else { return }
            events = try await store.events(after: last, objectKind: kind, objectName: name, since: from, limit: 1000)
        }
    }

    static let header = "TIME                 TYPE     REASON                 OBJECT                    MESSAGE"

    private func render(_ event: EventRecord) -> String {
        let object = "\(event.objectKind.lowercased())/\(event.objectName)"
        switch output {
        case .text:
            return [
                StewardLogHandler.timestamp(event.time).prefix(19).replacingOccurrences(of: "T", with: " ") + "Z",
                event.type.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0),
                event.reason.padding(toLength: max(22, event.reason.count), withPad: " ", startingAt: 0),
                object.padding(toLength: max(25, object.count), withPad: " ", startingAt: 0),
                event.message,
            ].joined(separator: " ").escapingControlCharacters()
        case .json:
            let object: [String: Any] = [
                "id": event.id ?? 0, "time": StewardLogHandler.timestamp(event.time), "type": event.type.rawValue,
                "reason": event.reason, "kind": event.objectKind, "name": event.objectName, "message": event.message,
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }
}
