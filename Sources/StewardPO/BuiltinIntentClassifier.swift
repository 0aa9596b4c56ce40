import Foundation

/// The offline, deterministic classifier: a few sentence patterns per intent, tried in a fixed order
/// (fix, status, new, update), so the same message always means the same thing.
///
/// - new: `new project: BRIEF`, `new project NAME: BRIEF`, `create|build|make|start BRIEF`, `I want|need BRIEF`
/// - status: `status [of|for] X`, `how is X [doing]`, `what's the status of X`, `list projects`, `status`
/// - update: `update X: CHANGE`, `update X to|with CHANGE`, `change X: CHANGE`, `X: CHANGE`, `add CHANGE to X`
/// - fix: `fix X`, `repair X`, `X is down|broken`
public struct BuiltinIntentClassifier: IntentClassifier {
    public init() {}

    public func classify(_ message: String, projects: [String]) async throws -> Intent {
        guard let intent = intent(for: message, projects: projects) else { throw ProductOwnerError.notUnderstood(message) }
        return intent
    }

    /// The synchronous rules behind `classify`. - Returns: nil when no rule matches.
    public func intent(for message: String, projects: [String]) -> Intent? {
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        let resolve = { (reference: String) in Self.resolve(reference, among: projects) }

        // fix
        if let rest = Self.after(text, prefixes: ["fix", "repair", "recover"]) {
            let target = rest.isEmpty || ["it", "everything", "all"].contains(rest.lowercased()) ? nil : resolve(rest)
            return .fix(target)
        }
        if let match = Self.match(text, #"^(.+?)\s+(?:is|seems)\s+(?:down|broken|failing|dead)\W*$"#) {
            return .fix(resolve(match[0]))
        }
        // status
        if let match = Self.match(text, #"^(?:what(?:'s| is)\s+(?:the\s+)?)?(?:status|state)\b(?:\s+(?:of|for|on))?\s*(.*?)\W*$"#) {
            let target = match[0]
            return .status(target.isEmpty || ["all", "everything", "projects", "all projects"].contains(target.lowercased())
                ? nil : resolve(target))
        }
        if let match = Self.match(text, #"^how(?:'s|\s+is|\s+are)\s+(.+?)(?:\s+doing|\s+going)?\W*$"#) {
            let target = match[0]
            return .status(["things", "everything", "my projects", "the projects", "projects"].contains(target.lowercased())
                ? nil : resolve(target))
        }
        if Self.match(text, #"^(?:list|show)(?:\s+(?:me|all|my|the))*\s+projects\W*$"#) != nil {
            return .status(nil)
        }
        // new
        if let match = Self.match(text, #"^new\s+(?:project|app|service)\s+([A-Za-z0-9-]+)\s*:\s*(.+)$"#),
            let name = ProjectNaming.label(match[0]), name == match[0].lowercased()
        {
            return .new(brief: match[1], name: name)
        }
        if let match = Self.match(text, #"^new\s+(?:project|app|service)\s*[:,-]?\s*(.+)$"#) {
            return Self.newProject(match[0])
        }
        if let match = Self.match(
            text, #"^(?:please\s+)?(?:create|build|make|start|i\s+want|i\s+need|we\s+need)\s+(?:me\s+|us\s+)?(?:a\s+new\s+project\s*:?\s*)?(.+)$"#)
        {
            return Self.newProject(match[0])
        }
        // update
        if let match = Self.match(text, #"^(?:update|change|modify)\s+([A-Za-z0-9][A-Za-z0-9 _-]*?)\s*(?::|,|\s+to\s+|\s+with\s+|\s+so\s+that\s+)\s*(.+)$"#) {
            return .update(resolve(match[0]), change: match[1])
        }
        if let match = Self.match(text, #"^(add|remove|support)\s+(.+?)\s+(?:to|from|in)\s+([A-Za-z0-9][A-Za-z0-9 _-]*?)\W*$"#),
            let project = Self.known(match[2], among: projects)
        {
            return .update(project, change: "\(match[0]) \(match[1])")
        }
        if let match = Self.match(text, #"^([A-Za-z0-9][A-Za-z0-9_-]*)\s*:\s*(.+)$"#) {
            return .update(resolve(match[0]), change: match[1])
        }
        return nil
    }

    /// `new` with the brief's "called X" / "named X" as the name when given.
    private static func newProject(_ brief: String) -> Intent {
        if let match = match(brief, #"^(.*?)\s*,?\s+(?:called|named)\s+([A-Za-z0-9-]+)\W*$"#), let name = ProjectNaming.label(match[1]) {
            return .new(brief: match[0], name: name)
        }
        return .new(brief: brief)
    }

    /// A project named in free text: a known project by exact name, by its words (`url shortener`), or by
    /// the words without an article; else the text as a label.
    static func resolve(_ reference: String, among projects: [String]) -> String {
        if let known = known(reference, among: projects) { return known }
        return ProjectNaming.label(reference) ?? reference
    }

    static func known(_ reference: String, among projects: [String]) -> String? {
        let trimmed = reference.trimmingCharacters(in: CharacterSet(charactersIn: " \"'`?!.,"))
        if projects.contains(trimmed) { return trimmed }
        var words = ProjectNaming.words(trimmed)
        if let first = words.first, ["the", "my", "our"].contains(first) { words.removeFirst() }
        for candidate in [words.joined(separator: "-"), words.joined()] where projects.contains(candidate) {
            return candidate
        }
        return nil
    }

    /// The rest of `text` after one of the words (whole word, case-insensitive), trimmed; nil when none starts it.
    private static func after(_ text: String, prefixes: [String]) -> String? {
        let lower = text.lowercased()
        for prefix in prefixes where lower == prefix || lower.hasPrefix(prefix + " ") {
            return String(text.dropFirst(prefix.count)).trimmingCharacters(in: CharacterSet(charactersIn: " \"'`?!.,"))
        }
        return nil
    }

    /// The capture groups of `pattern` (case-insensitive) matched against the whole of `text`, trimmed.
    private static func match(_ text: String, _ pattern: String) -> [String]? {
        let expression = try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive, .dotMatchesLineSeparators])
        let range = NSRange(text.startIndex..., in: text)
        guard let result = expression.firstMatch(in: text, range: range) else { return nil }
        return (1..<result.numberOfRanges).map { index in
            Range(result.range(at: index), in: text).map { String(text[$0]).trimmingCharacters(in: .whitespaces) } ?? ""
        }
    }
}
