import Foundation

/// Server-rendered HTML of the dashboard (docs/ARCHITECTURE.md §10): text is escaped where it is added, so no
/// value from the state, a manifest or a log line is ever markup.
struct HTML {
    private(set) var text = ""

    init(capacity: Int = 16_384) {
        text.reserveCapacity(capacity)
    }

    /// Markup written by the dashboard itself.
    mutating func raw(_ markup: String) {
        text += markup
    }

    /// Text content or an attribute value: `& < > " '` escaped.
    mutating func text(_ value: String) {
        text += Self.escape(value)
    }

    /// `<tag attributes>` + escaped `content` + `</tag>`.
    mutating func element(_ tag: String, _ attributes: String = "", _ content: String) {
        text += attributes.isEmpty ? "<\(tag)>" : "<\(tag) \(attributes)>"
        text += Self.escape(content)
        text += "</\(tag)>"
    }

    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            return value
        }
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count + 16)
        for character in value.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A query-string component: only unreserved characters stay as they are.
    static func query(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    /// A path segment (object names are DNS labels, but the store may hold anything).
    static func path(_ value: String) -> String { query(value) }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// Times as the dashboard shows them: relative ("3 min ago"), with the absolute UTC time on hover and in
/// `datetime` (the script keeps the relative text current).
enum DashboardTime {
    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    static func absolute(_ date: Date) -> String {
        let iso = iso(date)
        return iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    static func relative(_ date: Date, now: Date) -> String {
        let seconds = Int(now.timeIntervalSince(date).rounded())
        let magnitude = abs(seconds)
        let amount: String = switch magnitude {
        case ..<5: "just now"
        case ..<60: "\(magnitude) s"
        case ..<3600: "\(magnitude / 60) min"
        case ..<86_400: "\(magnitude / 3600) h"
        default: "\(magnitude / 86_400) d"
        }
        if magnitude < 5 { return amount }
        return seconds >= 0 ? "\(amount) ago" : "in \(amount)"
    }

    /// `<time>` with the relative text, or `never` for nil.
    static func tag(_ date: Date?, now: Date, never: String = "never") -> String {
        guard let date else { return HTML.escape(never) }
        return "<time datetime=\"\(iso(date))\" title=\"\(absolute(date))\">\(relative(date, now: now))</time>"
    }

    static func duration(milliseconds: Int) -> String {
        switch milliseconds {
        case ..<1000: "\(milliseconds) ms"
        case ..<60_000: String(format: "%.1f s", Double(milliseconds) / 1000)
        default: "\(milliseconds / 60_000) min \(milliseconds % 60_000 / 1000) s"
        }
    }
}
