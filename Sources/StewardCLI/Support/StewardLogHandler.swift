import Foundation
import Logging
import StewardCore
import StewardModel

/// Log line format: `text` for people tailing logs, `json` (one object per line) for machines.
public enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// Writes one structured line per log call to stderr: `TIME LEVEL message key=value …` or a JSON object.
public struct StewardLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let format: LogFormat
    private let label: String
    /// On a terminal: Ansible task lines update one progress line instead of scrolling.
    private let progress: ProgressLine?

    /// Where every line also goes for `steward logs` (it keeps them only once a store that acts is attached).
    private let journal: JournalSink?

    public init(
        label: String, format: LogFormat, level: Logger.Level, progress: ProgressLine? = nil, journal: JournalSink? = nil
    ) {
        self.label = label
        self.format = format
        self.logLevel = level
        self.progress = format == .text ? progress : nil
        self.journal = journal
    }

    /// Whether task lines go to a progress line (text on a terminal) rather than one line each.
    var usesProgressLine: Bool { progress != nil }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level
        let message = event.message
        var all = metadata
        for (key, value) in event.metadata ?? [:] { all[key] = value }
        if let journal {
            var fields = all.mapValues { "\($0)" }
            journal.record(JournalEntry(
                time: Date(), level: JournalEntry.Level(rawValue: level.rawValue) ?? .info, message: "\(message)",
                project: fields.removeValue(forKey: "project"), server: fields.removeValue(forKey: "server"),
                action: fields.removeValue(forKey: "action"), fields: fields))
        }
        if let progress, let project = all["project"].map({ "\($0)" }) {
            let action = all["action"].map { "\($0)" }
            let status = all["status"].map { "\($0)" }
            if action == "ansible_task", level <= .info, status != "failed", status != "unreachable" {
                progress.task(project: project, name: "\(message)")
                return
            }
            if action == "deploy" || action == "prune" { progress.finish(project: project) }
        }
        let time = Self.timestamp()
        let text: String
        switch format {
        case .text:
            let pairs = all.keys.sorted().map { key in "\(key)=\(Self.quoteIfNeeded("\(all[key]!)"))" }
            text = ([time, level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0), "\(message)"] + pairs)
                .joined(separator: " ")
        case .json:
            var object: [String: String] = ["time": time, "level": level.rawValue, "msg": "\(message)"]
            for (key, value) in all { object[key] = "\(value)" }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            text = String(decoding: data, as: UTF8.self)
        }
        if let progress {
            progress.print(text)
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// ISO 8601 with milliseconds, as every log and journal line shows time.
    static func timestamp(_ date: Date = Date()) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
