import Foundation
import StewardModel

/// Sets `spec.ref` of one Project in a manifest file (`steward rollback`), editing one line so every comment, the key
/// order and the formatting of the rest stay as the person wrote them: an existing `ref:` gets the new value (its
/// comment kept, or one added saying what it was); a missing one is added at the end of a block-style `spec`. A
/// flow-style `spec` (`spec: {…}`) is refused with a message saying to edit by hand. The result is parsed again and
/// must differ from the original in `spec.ref` alone.
public struct ManifestRefEditor: Sendable {
    public init() {}

    /// - Returns: the new text, and the ref it replaced.
    /// - Throws: `ProductOwnerError` when the project is not in the file or the file's shape is not editable.
    public func pin(_ text: String, path: String, project: String, to ref: String) throws -> (text: String, previous: String) {
        let parser = ManifestParser()
        let before = parser.parse(path: path, data: Data(text.utf8))
        guard let manifest = before.projects.first(where: { $0.name == project }) else {
            throw ProductOwnerError("\(path) holds no valid Project named \(project)")
        }
        let previous = manifest.spec.ref
        let crlf = text.contains("\r\n")
        var lines = (crlf ? text.replacingOccurrences(of: "\r\n", with: "\n") : text).components(separatedBy: "\n")
        let documents = YAMLComposer().compose(Data(lines.joined(separator: "\n").utf8)).documents
        guard let index = documents.firstIndex(where: { ManifestChangeEditor.isProject($0.root, named: project) }),
            let root = documents[index].root, case .mapping(let rootPairs) = root.content,
            let specIndex = rootPairs.firstIndex(where: { $0.key.scalar == "spec" }),
            case .mapping(let specPairs) = rootPairs[specIndex].value.content
        else {
            throw ProductOwnerError("\(path): cannot find the Project document \(project)")
        }
        let spec = rootPairs[specIndex].value
        let note = "# steward rollback: was \(previous)"
        if let refPair = specPairs.first(where: { $0.key.scalar == "ref" }) {
            let value = refPair.value
            guard value.line == refPair.key.line else {
                throw ProductOwnerError("\(path): spec.ref of \(project) is not on its key's line; set it to \(ref) by hand")
            }
            let line = Array(lines[value.line - 1])
            let start = value.column - 1
            let end = Self.scalarEnd(line, from: start)
            let rest = String(line[end...]).trimmingCharacters(in: .whitespaces)
            lines[value.line - 1] = String(line[..<start]) + ref + (rest.isEmpty ? "  " + note : " " + rest)
        } else {
            let first = Array(lines[spec.line - 1])
            guard spec.column - 1 < first.count, first[spec.column - 1] != "{" else {
                throw ProductOwnerError("\(path): spec of \(project) is written in flow style ({…}); set spec.ref to \(ref) by hand")
            }
            let documentEnd = index + 1 < documents.count ? documents[index + 1].line : lines.count + 1
            let specEnd = specIndex + 1 < rootPairs.count ? rootPairs[specIndex + 1].key.line : documentEnd
            var last = spec.line
            for number in spec.line..<min(specEnd, lines.count + 1) {
                let trimmed = lines[number - 1].trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty, !trimmed.hasPrefix("#"), !lines[number - 1].hasPrefix("---") { last = number }
            }
            lines.insert(String(repeating: " ", count: spec.column - 1) + "ref: \(ref)  \(note) (the default)", at: last)
        }
        let joined = lines.joined(separator: "\n")
        let edited = crlf ? joined.replacingOccurrences(of: "\n", with: "\r\n") : joined
        let after = parser.parse(path: path, data: Data(edited.utf8))
        var expected = manifest.spec
        expected.ref = ref
        guard let result = after.projects.first(where: { $0.name == project }), result.spec == expected,
            after.projects.count == before.projects.count, !after.diagnostics.contains(where: { $0.severity == .error })
        else {
            throw ProductOwnerError("setting spec.ref in \(path) did not give the same manifest with the new ref; set it to \(ref) by hand")
        }
        return (edited, previous)
    }

    /// The index just past a scalar starting at `start`: a quoted one's closing quote, else before ` #` or the end.
    private static func scalarEnd(_ line: [Character], from start: Int) -> Int {
        guard start < line.count else { return line.count }
        if line[start] == "\"" || line[start] == "'" {
            var index = start + 1
            while index < line.count {
                if line[index] == "\\", line[start] == "\"" {
                    index += 2
                    continue
                }
                if line[index] == line[start] { return index + 1 }
                index += 1
            }
            return line.count
        }
        var index = start
        while index < line.count {
            if line[index] == "#", index > start, line[index - 1] == " " || line[index - 1] == "\t" { return index - 1 }
            index += 1
        }
        return line.count
    }
}
