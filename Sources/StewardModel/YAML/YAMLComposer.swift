import CYaml
import Foundation

/// One document of a YAML stream, or the reason it could not be read.
public struct YAMLDocument {
    /// The root node; nil for an empty document.
    public var root: YAMLNode?
    /// Position of the document start.
    public var line: Int
    public var column: Int
}

/// A YAML problem with its 1-based position.
public struct YAMLProblem: Error, Sendable, Hashable {
    public var line: Int
    public var column: Int
    public var message: String
}

/// Composes YAML text into `YAMLNode` trees from libyaml's event stream (the copy Yams builds).
///
/// Steward composes events itself rather than through Yams' `Node`, because Yams hashes mapping keys while
/// composing: an alias-bomb key then costs exponential time. This composer is iterative (no recursion, so no
/// stack overflow on deep nesting), caps nesting depth and the expanded size of aliases, accepts only
/// scalar mapping keys, and reports duplicate keys.
public struct YAMLComposer {
    /// Deepest nesting of sequences and mappings accepted.
    public var maxDepth = 64
    /// Most nodes a document may expand to through aliases.
    public var maxExpandedNodes = 100_000

    public init() {}

    /// The documents read before the first fatal problem, the problems found (duplicate keys are not fatal).
    public func compose(_ data: Data) -> (documents: [YAMLDocument], problems: [YAMLProblem]) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return ([], [YAMLProblem(line: 1, column: 1, message: "cannot initialize the YAML parser")])
        }
        defer { yaml_parser_delete(&parser) }
        return data.withUnsafeBytes { buffer in
            let bytes = buffer.bindMemory(to: UInt8.self)
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var state = ComposeState(limits: self)
            state.run(&parser)
            return (state.documents, state.problems)
        }
    }
}

/// The mutable state of one compose pass.
private struct ComposeState {
    /// A container being built.
    struct Frame {
        let node: YAMLNode
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        var keys: Set<String> = []
        let anchor: String?
        let isMapping: Bool
    }

    let limits: YAMLComposer
    var documents: [YAMLDocument] = []
    var problems: [YAMLProblem] = []
    var anchors: [String: YAMLNode] = [:]
    var stack: [Frame] = []
    var root: YAMLNode?
    var documentLine = 1
    var documentColumn = 1
    var documentSize = 0
    var documentFailed = false

    init(limits: YAMLComposer) {
        self.limits = limits
    }

    mutating func run(_ parser: inout yaml_parser_t) {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                problems.append(syntaxProblem(parser))
                return
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1
            let column = Int(event.start_mark.column) + 1
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return
            case YAML_DOCUMENT_START_EVENT:
                root = nil
                anchors = [:]
                stack = []
                documentSize = 0
                documentFailed = false
                documentLine = line
                documentColumn = column
            case YAML_DOCUMENT_END_EVENT:
                if !documentFailed {
                    documents.append(YAMLDocument(root: root, line: documentLine, column: documentColumn))
                }
            case YAML_SCALAR_EVENT:
                guard !documentFailed else { continue }
                let text = string(event.data.scalar.value, length: event.data.scalar.length)
                let style: YAMLNode.Style
                switch event.data.scalar.style {
                case YAML_PLAIN_SCALAR_STYLE: style = .plain
                case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
                default: style = .quoted
                }
                let node = YAMLNode(.scalar(text, style), line: line, column: column)
                register(anchor: cString(event.data.scalar.anchor), node)
                complete(node)
            case YAML_ALIAS_EVENT:
                guard !documentFailed else { continue }
                let name = cString(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    fail(line, column, "undefined alias \"*\(name)\"")
                    continue
                }
                complete(target, aliasAt: (line, column))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard !documentFailed else { continue }
                guard stack.count < limits.maxDepth else {
                    fail(line, column, "nesting deeper than \(limits.maxDepth) levels")
                    continue
                }
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = isMapping ? cString(event.data.mapping_start.anchor) : cString(event.data.sequence_start.anchor)
                let node = YAMLNode(isMapping ? .mapping([]) : .sequence([]), line: line, column: column)
                stack.append(Frame(node: node, anchor: anchor, isMapping: isMapping))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard !documentFailed, let frame = stack.popLast() else { continue }
                frame.node.content = frame.isMapping ? .mapping(frame.pairs) : .sequence(frame.items)
                let children = frame.isMapping ? frame.pairs.flatMap { [$0.key, $0.value] } : frame.items
                frame.node.expandedSize = children.reduce(1) { min($0 &+ $1.expandedSize, Int.max / 4) }
                register(anchor: frame.anchor, frame.node)
                complete(frame.node)
            default:
                continue
            }
        }
    }

    /// Attaches a finished node to its parent (or makes it the root), counting its expanded size.
    mutating func complete(_ node: YAMLNode, aliasAt alias: (Int, Int)? = nil) {
        if let alias {
            documentSize = min(documentSize &+ node.expandedSize, Int.max / 4)
            if documentSize > limits.maxExpandedNodes {
                fail(alias.0, alias.1, "aliases expand this document to more than \(limits.maxExpandedNodes) nodes; "
                    + "refusing to expand it (is it an alias bomb?)")
                return
            }
        } else if case .scalar = node.content {
            documentSize += 1
        }
        guard !stack.isEmpty else {
            root = node
            return
        }
        let index = stack.count - 1
        guard stack[index].isMapping else {
            stack[index].items.append(node)
            return
        }
        guard let key = stack[index].pendingKey else {
            guard let text = node.scalar else {
                fail(node.line, node.column, "mapping keys must be plain strings, found \(node.kindDescription)")
                return
            }
            if alias != nil {
                fail(alias!.0, alias!.1, "mapping keys must be plain strings, not aliases")
                return
            }
            if stack[index].keys.contains(text) {
                problems.append(YAMLProblem(line: node.line, column: node.column, message: "duplicate key \"\(text)\""))
            }
            stack[index].keys.insert(text)
            stack[index].pendingKey = node
            return
        }
        stack[index].pendingKey = nil
        // The first occurrence of a duplicated key wins; the duplicate was reported.
        if !stack[index].pairs.contains(where: { $0.key.scalar == key.scalar }) {
            stack[index].pairs.append((key: key, value: node))
        }
    }

    mutating func register(anchor: String?, _ node: YAMLNode) {
        if let anchor { anchors[anchor] = node }
    }

    mutating func fail(_ line: Int, _ column: Int, _ message: String) {
        problems.append(YAMLProblem(line: line, column: column, message: message))
        documentFailed = true
        stack = []
        root = nil
    }

    func syntaxProblem(_ parser: yaml_parser_t) -> YAMLProblem {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        var message = "invalid YAML: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(parser.context_mark.line + 1), column \(parser.context_mark.column + 1))"
        }
        return YAMLProblem(
            line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1, message: message)
    }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    func cString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
