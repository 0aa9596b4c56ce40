/// A composed YAML node with its source position. A class, so an alias shares its anchor's node
/// instead of copying it: a billion-laughs document costs memory linear in its text.
public final class YAMLNode: @unchecked Sendable {
    /// Scalar presentation: quoted scalars are always strings; plain ones may be numbers, booleans, null.
    public enum Style: Sendable {
        case plain
        case quoted
        case block
    }

    /// What the node holds.
    public enum Content {
        case scalar(String, Style)
        case sequence([YAMLNode])
        case mapping([(key: YAMLNode, value: YAMLNode)])
    }

    public internal(set) var content: Content
    /// 1-based.
    public let line: Int
    /// 1-based.
    public let column: Int
    /// Nodes this one expands to when aliases are followed (itself included).
    public internal(set) var expandedSize: Int

    init(_ content: Content, line: Int, column: Int) {
        self.content = content
        self.line = line
        self.column = column
        self.expandedSize = 1
    }

    /// The scalar text, when this is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// True for `~`, `null`, `Null`, `NULL` and the empty plain scalar.
    public var isNull: Bool {
        if case .scalar(let text, .plain) = content {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// How the node reads in an error message: `a mapping`, `a sequence`, `null`, `string "x"`.
    public var kindDescription: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a sequence"
        case .scalar(let text, let style):
            if isNull { return "null" }
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            if style == .plain, Int(text) != nil { return "integer \(text)" }
            if style == .plain, text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true,
                Double(text) != nil
            {
                return "number \(text)"
            }
            if style == .plain, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(text) {
                return "boolean \(text)"
            }
            return "string \"\(shown)\""
        }
    }
}
