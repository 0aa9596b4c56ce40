/// Collects diagnostics for one file while its documents are decoded.
final class DecodeContext {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) {
        self.file = file
    }

    func location(_ node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line, column: node.column)
    }

    func error(_ node: YAMLNode, _ message: String) {
        diagnostics.append(.error(at: location(node), message))
    }
}

/// Reads the fields of one YAML mapping, reporting missing, mistyped and unknown fields with their positions.
///
/// Every accessor marks its key as known; `finish()` reports the keys nobody asked for, with a
/// "did you mean" hint.
struct MappingReader {
    let context: DecodeContext
    let node: YAMLNode
    /// Dotted path of this mapping (`spec.deploy`), empty at the document root.
    let path: String
    private let pairs: [(key: YAMLNode, value: YAMLNode)]
    private var known: [String] = []
    /// Where "missing field" errors point: the key that holds this mapping, else the mapping itself.
    private let owner: YAMLNode

    /// - Returns: nil (after reporting) when `node` is not a mapping.
    init?(_ node: YAMLNode, path: String, context: DecodeContext, owner: YAMLNode? = nil) {
        self.context = context
        self.node = node
        self.path = path
        self.owner = owner ?? node
        guard case .mapping(let pairs) = node.content else {
            context.error(node, "\(path.isEmpty ? "document" : path): expected a mapping, found \(node.kindDescription)")
            return nil
        }
        self.pairs = pairs
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value node of `key`, marking the key known. Null values count as absent.
    /// - Parameter expected: for a required field, what to write, appended to the "missing" message.
    mutating func value(_ key: String, required: Bool = false, expected: String? = nil) -> YAMLNode? {
        known.append(key)
        let hint = expected.map { "; \($0)" } ?? ""
        guard let pair = pairs.first(where: { $0.key.scalar == key }) else {
            if required { context.error(owner, "missing required field \"\(fieldPath(key))\"\(hint)") }
            return nil
        }
        guard !pair.value.isNull else {
            // The key is there with no value: point at the key, not at the mapping holding it.
            if required { context.error(pair.key, "required field \"\(fieldPath(key))\" has no value\(hint)") }
            return nil
        }
        return pair.value
    }

    /// The location of `key`'s value, when present.
    func location(of key: String) -> SourceLocation? {
        pairs.first(where: { $0.key.scalar == key }).map { context.location($0.value) }
    }

    /// Where line `index` (0-based) of the string under `key` is: for a block scalar (`|`, `>`), the lines below
    /// the key, at the key's column plus the usual two-space indent; for any other scalar, the value itself.
    func location(of key: String, line index: Int) -> SourceLocation? {
        guard let pair = pairs.first(where: { $0.key.scalar == key }) else { return nil }
        guard case .scalar(_, .block) = pair.value.content else { return context.location(pair.value) }
        return SourceLocation(file: context.file, line: pair.key.line + 1 + index, column: pair.key.column + 2)
    }

    mutating func string(_ key: String, required: Bool = false, expected: String? = nil) -> String? {
        guard let value = value(key, required: required, expected: expected) else { return nil }
        guard let text = value.scalar else {
            context.error(value, "\(fieldPath(key)): expected a string, found \(value.kindDescription)")
            return nil
        }
        if text.isEmpty, required {
            context.error(value, "\(fieldPath(key)): must not be empty")
            return nil
        }
        return text
    }

    mutating func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .scalar(let text, .plain) = value.content, let number = Int(text) else {
            context.error(value, "\(fieldPath(key)): expected an integer, found \(value.kindDescription)" + quotedHint(value, Int(value.scalar ?? "") != nil))
            return nil
        }
        guard range.contains(number) else {
            context.error(value, "\(fieldPath(key)): \(number) is out of range \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        if case .scalar(let text, .plain) = value.content {
            switch text {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        let isQuotedBool = ["true", "false"].contains(value.scalar?.lowercased() ?? "")
        context.error(value, "\(fieldPath(key)): expected true or false, found \(value.kindDescription)" + quotedHint(value, isQuotedBool))
        return nil
    }

    /// A hint for a quoted scalar that would be right without its quotes.
    private func quotedHint(_ value: YAMLNode, _ rightUnquoted: Bool) -> String {
        guard case .scalar(_, .quoted) = value.content, rightUnquoted else { return "" }
        return " (remove the quotes)"
    }

    /// A string that must be one of `options` (raw values of an enum).
    mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let value = T(rawValue: text) { return value }
        let options = T.allCases.map(\.rawValue)
        context.diagnostics.append(.error(
            at: location(of: key) ?? context.location(node),
            "\(fieldPath(key)): expected one of \(options.joined(separator: ", ")), found \"\(text)\""
                + didYouMean(text, among: options)))
        return nil
    }

    mutating func mapping(_ key: String, required: Bool = false, expected: String? = nil) -> MappingReader? {
        guard let value = value(key, required: required, expected: expected) else { return nil }
        let keyNode = pairs.first(where: { $0.key.scalar == key })?.key
        return MappingReader(value, path: fieldPath(key), context: context, owner: keyNode)
    }

    mutating func sequence(_ key: String) -> [YAMLNode]? {
        guard let value = value(key) else { return nil }
        guard case .sequence(let items) = value.content else {
            context.error(value, "\(fieldPath(key)): expected a sequence, found \(value.kindDescription)")
            return nil
        }
        return items
    }

    /// A mapping of string to string (labels).
    mutating func stringMap(_ key: String) -> [String: String]? {
        guard var reader = mapping(key) else { return nil }
        var result: [String: String] = [:]
        for pair in reader.pairs {
            guard let name = pair.key.scalar else { continue }
            reader.known.append(name)
            guard let text = pair.value.scalar, !pair.value.isNull else {
                context.error(pair.value, "\(reader.fieldPath(name)): expected a string, found \(pair.value.kindDescription)")
                continue
            }
            result[name] = text
        }
        return result
    }

    /// Reports every key that no accessor asked for.
    func finish() {
        for pair in pairs {
            guard let key = pair.key.scalar, !known.contains(key) else { continue }
            let hint = didYouMean(key, among: known)
            let expected = hint.isEmpty ? "; expected one of: " + Set(known).sorted().joined(separator: ", ") : hint
            context.error(pair.key, "unknown field \"\(fieldPath(key))\"" + expected)
        }
    }
}

/// ` (did you mean "x"?)` when a candidate is close to `word`, else empty.
func didYouMean(_ word: String, among candidates: [String]) -> String {
    let lower = word.lowercased()
    var best: (String, Int)?
    for candidate in Set(candidates) {
        let distance = editDistance(lower, candidate.lowercased())
        let limit = max(2, candidate.count / 3)
        if distance <= limit, best == nil || distance < best!.1 || (distance == best!.1 && candidate < best!.0) {
            best = (candidate, distance)
        }
    }
    return best.map { " (did you mean \"\($0.0)\"?)" } ?? ""
}

/// Levenshtein distance.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
