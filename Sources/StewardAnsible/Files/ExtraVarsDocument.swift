import Foundation
import StewardModel

/// Renders extra vars for `-e @file`: JSON syntax with every string tagged `!unsafe`.
///
/// Ansible templates extra vars when they are used, so a value holding `{{` or `{%` (an `.env` line,
/// a secret) would be evaluated as Jinja: at best the run fails, at worst it runs a lookup. The
/// `!unsafe` tag makes Ansible keep the string verbatim. The document is YAML flow syntax, which is
/// JSON plus tags, and it is read by Ansible's YAML loader.
enum ExtraVarsDocument {
    /// Thrown for numbers YAML and JSON cannot carry (NaN, infinity).
    struct UnrepresentableNumber: Error, CustomStringConvertible {
        var value: Double
        var description: String { "extra var value \(value) is not a finite number" }
    }

    static func render(_ variables: [String: JSONValue]) throws -> String {
        try render(.object(variables)) + "\n"
    }

    /// One value in the document's syntax; with `tagged` false strings are plain (Ansible templates them:
    /// only for values Steward writes itself, such as the inventory's connection fields).
    static func render(_ value: JSONValue, tagged: Bool = true) throws -> String {
        switch value {
        case .null:
            return "null"
        case .bool(let flag):
            return flag ? "true" : "false"
        case .int(let number):
            return String(number)
        case .double(let number):
            guard number.isFinite else { throw UnrepresentableNumber(value: number) }
            return String(decoding: try JSONEncoder().encode(number), as: UTF8.self)
        case .string(let text):
            return (tagged ? "!unsafe " : "") + quoted(text)
        case .array(let items):
            return "[" + (try items.map { try render($0, tagged: tagged) }.joined(separator: ", ")) + "]"
        case .object(let members):
            let rendered = try members.keys.sorted().map { key in
                quoted(key) + ": " + (try render(members[key] ?? .null, tagged: tagged))
            }
            return "{" + rendered.joined(separator: ", ") + "}"
        }
    }

    /// A YAML double-quoted scalar (`String.doubleQuoted`: what JSON escapes, plus what YAML would fold or reject).
    static func quoted(_ text: String) -> String {
        text.doubleQuoted
    }
}
