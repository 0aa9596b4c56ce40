import Foundation
import StewardModel

/// Appends a change request to `spec.changes` of one Project in a manifest file by inserting lines, so every
/// comment, the key order and the formatting of the rest of the file stay as the person wrote them.
///
/// Handles `changes` as a block sequence, as an empty or one-line flow sequence (`[]`, `[{…}]`), as an empty
/// value, or absent (added at the end of a block-style `spec`). Anything else (a flow-style `spec`, a flow
/// sequence over several lines) is refused with a message saying to edit by hand. The result is parsed again
/// with `ManifestParser` and must yield the project with exactly one more change.
public struct ManifestChangeEditor: Sendable {
    public init() {}

    /// - Parameters:
    ///   - text: the file's contents.
    ///   - path: its path in the config repo (for the parser's messages).
    ///   - project: the project's `metadata.name`.
    ///   - description: the change request in the person's words.
    /// - Returns: the new text and the id given to the change (unique within the project).
    /// - Throws: `ProductOwnerError` when the project is not in the file or the file's shape is not editable.
    public func appendChange(
        to text: String, path: String, project: String, description: String
    ) throws -> (text: String, id: String) {
        let parser = ManifestParser()
        let before = parser.parse(path: path, data: Data(text.utf8))
        guard let manifest = before.projects.first(where: { $0.name == project }) else {
            let problems = before.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw ProductOwnerError("\(path) holds no valid Project named \(project)"
                + (problems.isEmpty ? "" : ": \(problems.joined(separator: "; "))"))
        }
        let id = Self.changeID(for: description, taken: Set(manifest.spec.changes.map(\.id)))
        // Lines are edited with \n endings; a CRLF file gets its endings back afterwards.
        let crlf = text.contains("\r\n")
        let lines = (crlf ? text.replacingOccurrences(of: "\r\n", with: "\n") : text).components(separatedBy: "\n")
        let joined = try insertion(into: lines, project: project, id: id, description: description, path: path)
            .joined(separator: "\n")
        let edited = crlf ? joined.replacingOccurrences(of: "\n", with: "\r\n") : joined
        let after = parser.parse(path: path, data: Data(edited.utf8))
        guard let result = after.projects.first(where: { $0.name == project }),
            result.spec.changes == manifest.spec.changes + [ProjectSpec.Change(id: id, description: description)],
            !after.diagnostics.contains(where: { $0.severity == .error })
        else {
            let problems = after.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw ProductOwnerError("adding the change to \(path) did not give a valid manifest"
                + (problems.isEmpty ? "" : " (\(problems.joined(separator: "; ")))") + "; add it to spec.changes by hand")
        }
        return (edited, id)
    }

    /// A DNS-label id from the first words of the description, with `-2`, `-3`… when taken.
    static func changeID(for description: String, taken: Set<String>) -> String {
        let base = ProjectNaming.label(ProjectNaming.words(description).prefix(5).joined(separator: "-"))
            .map { String($0.prefix(40)).trimmingCharacters(in: CharacterSet(charactersIn: "-")) } ?? "change"
        var id = base.isEmpty ? "change" : base
        var suffix = 2
        while taken.contains(id) {
            id = "\(base)-\(suffix)"
            suffix += 1
        }
        return id
    }

    private func insertion(
        into lines: [String], project: String, id: String, description: String, path: String
    ) throws -> [String] {
        let data = Data(lines.joined(separator: "\n").utf8)
        let documents = YAMLComposer().compose(data).documents
        guard let index = documents.firstIndex(where: { Self.isProject($0.root, named: project) }),
            let root = documents[index].root, case .mapping(let rootPairs) = root.content,
            let specIndex = rootPairs.firstIndex(where: { $0.key.scalar == "spec" })
        else {
            throw ProductOwnerError("\(path): cannot find the Project document \(project)")
        }
        let documentEnd = index + 1 < documents.count ? documents[index + 1].line : lines.count + 1
        let specEnd = specIndex + 1 < rootPairs.count ? rootPairs[specIndex + 1].key.line : documentEnd
        let spec = rootPairs[specIndex].value
        guard case .mapping(let specPairs) = spec.content, !specPairs.isEmpty, Self.isBlock(spec, lines) else {
            throw ProductOwnerError("\(path): spec of \(project) is written in flow style ({…}); add the change to spec.changes by hand")
        }
        let item = { (indent: Int) -> [String] in
            [String(repeating: " ", count: indent) + "- id: \(id)",
             String(repeating: " ", count: indent) + "  description: \(ProjectManifestText.quoted(description))"]
        }
        var lines = lines
        guard let changesIndex = specPairs.firstIndex(where: { $0.key.scalar == "changes" }) else {
            // No changes yet: a new key at the end of spec, indented like its other keys.
            let indent = spec.column - 1
            let last = Self.lastContentLine(lines, from: spec.line, before: specEnd)
            lines.insert(contentsOf: [String(repeating: " ", count: indent) + "changes:"] + item(indent + 2), at: last)
            return lines
        }
        let key = specPairs[changesIndex].key
        let value = specPairs[changesIndex].value
        let changesEnd = changesIndex + 1 < specPairs.count ? specPairs[changesIndex + 1].key.line : specEnd
        if value.isNull {
            let keyLine = lines[key.line - 1]
            let afterColon = keyLine.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces)
            guard afterColon.isEmpty || afterColon.hasPrefix("#") || afterColon == "~" || afterColon == "null" else {
                throw ProductOwnerError("\(path): spec.changes of \(project) has an unusual form; add the change by hand")
            }
            if afterColon == "~" || afterColon == "null" {
                lines[key.line - 1] = String(keyLine.prefix { $0 != ":" }) + ":"
            }
            lines.insert(contentsOf: item(key.column - 1 + 2), at: key.line)
            return lines
        }
        guard case .sequence(let items) = value.content else {
            throw ProductOwnerError("\(path): spec.changes of \(project) is not a list")
        }
        if Self.isBlock(value, lines) {
            let last = Self.lastContentLine(lines, from: key.line, before: changesEnd)
            lines.insert(contentsOf: item(value.column - 1), at: last)
            return lines
        }
        // A flow sequence: only one written on a single line is edited.
        var line = Array(lines[value.line - 1])
        let open = value.column - 1
        guard let close = Self.matchingBracket(line, from: open) else {
            throw ProductOwnerError("\(path): spec.changes of \(project) is a flow list over several lines; add the change by hand")
        }
        if items.isEmpty {
            // `changes: []` becomes a block list under the key.
            let rest = String(line[(close + 1)...]).trimmingCharacters(in: .whitespaces)
            guard rest.isEmpty || rest.hasPrefix("#") else {
                throw ProductOwnerError("\(path): spec.changes of \(project) has an unusual form; add the change by hand")
            }
            lines[value.line - 1] = String(line[..<open]).replacingOccurrences(of: #"\s+$"#, with: "", options: .regularExpression)
                + (rest.isEmpty ? "" : " " + rest)
            lines.insert(contentsOf: item(key.column - 1 + 2), at: value.line)
            return lines
        }
        let entry = ", {id: \(id), description: \(ProjectManifestText.quoted(description))}"
        line.insert(contentsOf: Array(entry), at: close)
        lines[value.line - 1] = String(line)
        return lines
    }

    /// Whether `root` is the Project document named `name`.
    static func isProject(_ root: YAMLNode?, named name: String) -> Bool {
        guard let root, case .mapping(let pairs) = root.content else { return false }
        guard pairs.first(where: { $0.key.scalar == "kind" })?.value.scalar == "Project",
            let metadata = pairs.first(where: { $0.key.scalar == "metadata" })?.value,
            case .mapping(let metadataPairs) = metadata.content
        else { return false }
        return metadataPairs.first(where: { $0.key.scalar == "name" })?.value.scalar == name
    }

    /// Whether the node is written in block style (its first character is not `{` or `[`).
    private static func isBlock(_ node: YAMLNode, _ lines: [String]) -> Bool {
        let line = Array(lines[node.line - 1])
        guard node.column - 1 < line.count else { return true }
        return line[node.column - 1] != "{" && line[node.column - 1] != "["
    }

    /// The 0-based index just past the last line in `[from, before)` (1-based lines) that holds content: blank
    /// lines, comment lines and document markers at the end belong to what follows.
    private static func lastContentLine(_ lines: [String], from start: Int, before end: Int) -> Int {
        var last = start
        var line = start
        while line < end, line <= lines.count {
            let trimmed = lines[line - 1].trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty, !trimmed.hasPrefix("#"), !lines[line - 1].hasPrefix("---"), !lines[line - 1].hasPrefix("...") {
                last = line
            }
            line += 1
        }
        return last
    }

    /// The index of the `]` closing the `[` at `open` on the same line, skipping quoted text.
    private static func matchingBracket(_ line: [Character], from open: Int) -> Int? {
        var depth = 0
        var quote: Character?
        var index = open
        while index < line.count {
            let character = line[index]
            if let active = quote {
                if character == "\\", active == "\"" { index += 1 } else if character == active { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "[" || character == "{" {
                depth += 1
            } else if character == "]" || character == "}" {
                depth -= 1
                if depth == 0 { return character == "]" ? index : nil }
            }
            index += 1
        }
        return nil
    }
}
