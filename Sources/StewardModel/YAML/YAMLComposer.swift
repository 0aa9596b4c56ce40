import CYaml
import Foundation

/// One document of a YAML stream that libyaml could read to its end.
public struct YAMLDocument {
    /// The root node; nil for an empty document.
    public var root: YAMLNode?
    /// Position of the document start.
    public var line: Int
    public var column: Int
    /// True when a problem was reported inside this document (a duplicate key): its content is not to be used.
    public var hasProblems = false
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
///
/// A syntax error ends libyaml's stream. Composing then resumes at the next `---` line after the broken
/// document, so one broken document does not hide the others of the same file.
public struct YAMLComposer {
    /// Deepest nesting of sequences and mappings accepted.
    public var maxDepth = 64
    /// Most nodes a document may expand to through aliases.
    public var maxExpandedNodes = 100_000
    /// Syntax errors after which the rest of a file is not read (each one restarts libyaml).
    public var maxSyntaxErrors = 100

    public init() {}

    /// The documents that could be read, and the problems found.
    public func compose(_ data: Data) -> (documents: [YAMLDocument], problems: [YAMLProblem]) {
        let text = YAMLSourceText(Array(data))
        var documents: [YAMLDocument] = []
        var problems: [YAMLProblem] = []
        // libyaml skips a byte order mark only when it detects the encoding itself; here the encoding is set.
        var start = text.bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var passes = 0
        while true {
            var state = ComposeState(limits: self, text: text, start: start)
            state.compose()
            documents += state.documents
            problems += state.problems
            passes += 1
            guard let failure = state.syntaxFailure else { break }
            // Lines only grow, so this ends: the next pass starts on a later line than this one did.
            let resumeLine = max(failure.line, failure.documentLine + 1)
            guard let next = text.documentStart(atOrAfter: resumeLine), next > start else { break }
            guard passes < maxSyntaxErrors else {
                problems.append(YAMLProblem(line: text.position(ofByte: next).line, column: 1, message:
                    "stopped after \(maxSyntaxErrors) YAML syntax errors; this document and the rest of the file were not read"))
                break
            }
            start = next
        }
        return (documents, problems)
    }
}

/// The mutable state of one pass of libyaml over the text from `start`.
private struct ComposeState {
    /// A container being built.
    struct Frame {
        let node: YAMLNode
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        /// Each key's first position, for duplicate-key messages.
        var keys: [String: (line: Int, column: Int)] = [:]
        let anchor: String?
        let isMapping: Bool
    }

    let limits: YAMLComposer
    let text: YAMLSourceText
    /// Byte offset where this pass starts (a line start).
    let start: Int
    /// Lines before `start`, added to libyaml's marks.
    let lineOffset: Int
    var documents: [YAMLDocument] = []
    var problems: [YAMLProblem] = []
    /// Set when libyaml stopped on a syntax error: where, and where the broken document started.
    var syntaxFailure: (line: Int, documentLine: Int)?
    var anchors: [String: YAMLNode] = [:]
    var stack: [Frame] = []
    var root: YAMLNode?
    var documentLine: Int
    var documentColumn = 1
    var documentSize = 0
    var documentFailed = false
    var documentHasProblems = false
    var depthExceeded = false

    init(limits: YAMLComposer, text: YAMLSourceText, start: Int) {
        self.limits = limits
        self.text = text
        self.start = start
        self.lineOffset = text.position(ofByte: start).line - 1
        self.documentLine = lineOffset + 1
    }

    mutating func compose() {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            problems.append(YAMLProblem(line: 1, column: 1, message: "cannot initialize the YAML parser"))
            return
        }
        defer { yaml_parser_delete(&parser) }
        // A local reference (shared storage, no copy) so `run` may mutate self while libyaml reads the bytes.
        let bytes = text.bytes
        bytes.withUnsafeBufferPointer { buffer in
            let rest = UnsafeBufferPointer(rebasing: buffer[start...])
            // Empty text has no documents (and libyaml asserts a non-null input).
            guard let base = rest.baseAddress, !rest.isEmpty else { return }
            yaml_parser_set_input_string(&parser, base, rest.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            run(&parser)
        }
    }

    mutating func run(_ parser: inout yaml_parser_t) {
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                let problem = syntaxProblem(parser)
                // libyaml's own depth limit trips after ours did: the document already has its error.
                if !(depthExceeded && parser.error == YAML_PARSER_ERROR && isNestingLimit(parser)) {
                    problems.append(problem)
                }
                syntaxFailure = (problem.line, documentLine)
                return
            }
            defer { yaml_event_delete(&event) }
            let line = Int(event.start_mark.line) + 1 + lineOffset
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
                documentHasProblems = false
                depthExceeded = false
                documentLine = line
                documentColumn = column
            case YAML_DOCUMENT_END_EVENT:
                if !documentFailed {
                    documents.append(YAMLDocument(
                        root: root, line: documentLine, column: documentColumn, hasProblems: documentHasProblems))
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
                    fail(line, column, "alias \"*\(name)\" refers to no anchor; define \"&\(name)\" before using it")
                    continue
                }
                complete(target, aliasAt: (line, column))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                guard !documentFailed else { continue }
                guard stack.count < limits.maxDepth else {
                    depthExceeded = true
                    fail(line, column, nestingMessage)
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

    var nestingMessage: String {
        "nesting deeper than \(limits.maxDepth) levels; Steward reads at most \(limits.maxDepth) levels of sequences and mappings"
    }

    /// Attaches a finished node to its parent (or makes it the root), counting its expanded size.
    mutating func complete(_ node: YAMLNode, aliasAt alias: (line: Int, column: Int)? = nil) {
        if let alias {
            documentSize = min(documentSize &+ node.expandedSize, Int.max / 4)
            if documentSize > limits.maxExpandedNodes {
                fail(alias.line, alias.column, "aliases expand this document to more than \(limits.maxExpandedNodes) nodes; "
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
            // An alias key is reported where the alias is, not where its anchor is.
            if let alias {
                fail(alias.line, alias.column, "mapping keys must be plain strings, found an alias (\(node.kindDescription))")
                return
            }
            guard case .scalar(let text, let style) = node.content else {
                fail(node.line, node.column, "mapping keys must be plain strings, found \(node.kindDescription)")
                return
            }
            if text == "<<", style == .plain {
                fail(node.line, node.column, "merge keys (\"<<\") are not supported; write the fields out instead")
                return
            }
            if let first = stack[index].keys[text] {
                problem(node.line, node.column,
                    "duplicate key \"\(text)\"; it is already set at line \(first.line), column \(first.column) of this mapping")
            } else {
                stack[index].keys[text] = (node.line, node.column)
            }
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

    /// A problem that spoils the document but lets composing go on.
    mutating func problem(_ line: Int, _ column: Int, _ message: String) {
        problems.append(YAMLProblem(line: line, column: column, message: message))
        documentHasProblems = true
    }

    /// A problem after which the document is skipped.
    mutating func fail(_ line: Int, _ column: Int, _ message: String) {
        problems.append(YAMLProblem(line: line, column: column, message: message))
        documentFailed = true
        stack = []
        root = nil
    }

    func isNestingLimit(_ parser: yaml_parser_t) -> Bool {
        parser.problem.map { String(cString: $0).hasPrefix("Maximum nesting level") } ?? false
    }

    /// libyaml's error, at the position of the offending token, with a hint where libyaml's wording is cryptic.
    func syntaxProblem(_ parser: yaml_parser_t) -> YAMLProblem {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        let problemLine = Int(parser.problem_mark.line) + 1 + lineOffset
        let problemColumn = Int(parser.problem_mark.column) + 1
        let contextLine = Int(parser.context_mark.line) + 1 + lineOffset
        let contextColumn = Int(parser.context_mark.column) + 1
        let contextText = context.map { " (\($0) at line \(contextLine), column \(contextColumn))" } ?? ""

        if parser.error == YAML_READER_ERROR {
            // Reader errors carry a byte offset instead of a mark.
            let position = text.position(ofByte: start + parser.problem_offset)
            return YAMLProblem(line: position.line, column: position.column, message: "invalid YAML: \(problem)")
        }
        if isNestingLimit(parser) {
            return YAMLProblem(line: problemLine, column: problemColumn, message: nestingMessage)
        }
        let scalarStart = text.characterAt(line: contextLine, column: contextColumn)
        if context == "while scanning a quoted scalar",
            problem == "found unexpected end of stream" || problem == "found unexpected document indicator"
        {
            // The mistake is the opening quote, not where libyaml gave up looking for its end.
            let found = problem == "found unexpected end of stream"
                ? "the end of the file" : "a \"---\" line at line \(problemLine)"
            return YAMLProblem(line: contextLine, column: contextColumn, message:
                "invalid YAML: quoted string starting here is never closed: found \(found) before the closing \(scalarStart.map { "'\($0)'" } ?? "quote")")
        }
        if context == "while scanning a simple key", problem == "could not find expected ':'" {
            return YAMLProblem(line: contextLine, column: contextColumn, message:
                "invalid YAML: expected \"KEY: VALUE\" but this line has no ':' after its key; if it continues a "
                    + "value above (a '|' block, a list), indent it further")
        }
        var message = "invalid YAML: \(problem)\(contextText)"
        switch problem {
        case "found character that cannot start any token":
            if let character = text.characterAt(line: problemLine, column: problemColumn) {
                message = character == "\t"
                    ? "invalid YAML: found a tab character where indentation or a value is expected; indent YAML with spaces"
                    : "invalid YAML: found character '\(character)' that cannot start any token; quote the value"
            }
        case "mapping values are not allowed in this context":
            message += "; a value containing \": \" must be quoted, or this line is indented too far"
        case "did not find expected key":
            message += "; check the indentation of this line"
        case "did not find expected ',' or ']'", "did not find expected ',' or '}'":
            message += "; is the \(scalarStart.map { "'\($0)'" } ?? "bracket") at line \(contextLine), column \(contextColumn) closed?"
        default:
            break
        }
        return YAMLProblem(line: problemLine, column: problemColumn, message: message)
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
