import Foundation

/// `spec.env` and the `.env` file a deploy writes from it: one format, rendered here and parsed in one place on
/// the server (`steward_supervise.py`'s `parse_env_file`), so no value can become a second variable.
///
/// The template (`spec.env`): one `KEY=VALUE` per line (`KEY` is `[A-Za-z_][A-Za-z0-9_]*`, an optional
/// `export ` before it); blank lines and lines starting with `#` are skipped; the value is trimmed, and one pair
/// of matching quotes around it is removed. `${secret:NAME}` anywhere in a value is replaced by the secret.
///
/// The file: one `KEY="…"` line per variable, in template order (a later line wins), the value a JSON string
/// (`String.doubleQuoted`: `"`, `\`, newlines and other control characters escaped; `$`, `#`, `=`, spaces and
/// non-ASCII kept as they are). A secret holding a newline stays one value.
public enum EnvFile {
    /// One variable of the template.
    public struct Entry: Sendable, Hashable {
        public var key: String
        /// The value as written (quotes removed), `${secret:…}` references not yet replaced.
        public var value: String
        /// 0-based line of the template.
        public var line: Int
    }

    /// A template line that is not `KEY=VALUE`, or a bad secret reference.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// 0-based line of the template.
        public var line: Int
        public var message: String
        public var description: String { "line \(line + 1): \(message)" }
    }

    /// The template's variables and every problem in it (all of them, not only the first).
    public static func parse(_ template: String) -> (entries: [Entry], problems: [Problem]) {
        var entries: [Entry] = []
        var problems: [Problem] = []
        for (index, raw) in template.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst("export ".count)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(Problem(line: index, message: "expected KEY=VALUE, found \"\(shown(line))\" (no '=')"))
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard isKey(key) else {
                problems.append(Problem(line: index, message: "\"\(shown(key))\" is not a variable name: letters, digits and '_', "
                    + "not starting with a digit"))
                continue
            }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == value.last, first == "\"" || first == "'" {
                value = String(value.dropFirst().dropLast())
            }
            problems += secretProblems(in: value).map { Problem(line: index, message: $0) }
            entries.append(Entry(key: key, value: value, line: index))
        }
        return (entries, problems)
    }

    /// The `.env` file for `template` with `secrets` filled in: one `KEY="JSON string"` line per variable.
    public static func render(_ template: String, secrets: [String: String]) -> String {
        var lines: [String] = []
        for entry in parse(template).entries {
            var value = entry.value
            for (name, secret) in secrets { value = value.replacingOccurrences(of: "${secret:\(name)}", with: secret) }
            lines.append("\(entry.key)=\(value.doubleQuoted)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }


    /// Every malformed `${secret:…}` reference in `text`.
    static func secretProblems(in text: String) -> [String] {
        var problems: [String] = []
        var rest = text[...]
        while let start = rest.range(of: "${secret:") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "}") else {
                problems.append("secret reference \"\(shown(String(rest[start.lowerBound...])))\" is not closed with '}'")
                break
            }
            let name = String(after[..<end])
            if !Validation.isSecretName(name) {
                problems.append("secret reference \"${secret:\(shown(name))}\" must name a secret: 1-128 letters, digits, '_', '-' "
                    + "or '.', starting with a letter or '_'")
            }
            rest = after[after.index(after: end)...]
        }
        return problems
    }

    static func isKey(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first) || ("a"..."z").contains(first) else {
            return false
        }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// At most 40 characters of `text`, for messages.
    private static func shown(_ text: String) -> String {
        text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}
