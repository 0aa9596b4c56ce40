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

    private static func render(_ value: JSONValue) throws -> String {
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
            return "!unsafe " + quoted(text)
        case .array(let items):
            return "[" + (try items.map(render).joined(separator: ", ")) + "]"
        case .object(let members):
            let rendered = try members.keys.sorted().map { key in
                quoted(key) + ": " + (try render(members[key] ?? .null))
            }
            return "{" + rendered.joined(separator: ", ") + "}"
        }
    }

    /// A YAML double-quoted scalar. Escapes what JSON escapes plus what YAML would fold or reject:
    /// C1 controls, DEL, NEL and the Unicode line and paragraph separators, U+FFFE/U+FFFF.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
                    || value == 0xFFFE || value == 0xFFFF
                {
                    out += "\\u" + String(repeating: "0", count: 4 - String(value, radix: 16).count)
                        + String(value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
