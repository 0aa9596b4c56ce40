import Foundation
import StewardModel

/// A project template under `examples/templates/NAME/`: files copied into a new repo, `{{name}}` and
/// `{{brief}}` replaced.
public struct ScaffoldTemplate: Sendable {
    /// The template's directory.
    public let directory: URL

    /// The template `name` under `templates` (e.g. `examples/templates`, `python-web`).
    /// - Throws: `AgentError` when the directory does not exist.
    public init(templates: URL, name: String = "python-web") throws {
        directory = templates.appendingPathComponent(name, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw AgentError("the scaffold template \(directory.path) does not exist; set STEWARD_TEMPLATES to the "
                + "examples/templates directory of the Steward checkout")
        }
    }

    /// The template's files, relative paths, sorted.
    public func files() throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        var files: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.split(separator: "/").contains("__pycache__") { continue }
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory.appendingPathComponent(path).path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { files.append(path) }
        }
        return files.sorted()
    }

    /// Writes every template file, rendered, into `worktree`.
    public func scaffold(into worktree: URL, name: String, brief: String) throws {
        for path in try files() { try write(path, into: worktree, name: name, brief: brief) }
    }

    /// The template's code files (all but README.md and routes.json, which a project changes) that are
    /// missing from `worktree` or differ from the template. Nothing is written.
    public func drift(in worktree: URL, name: String, brief: String) throws -> [String] {
        try files().filter { path in
            guard path != "README.md", path != "routes.json" else { return false }
            return (try? Data(contentsOf: worktree.appendingPathComponent(path))) != (try render(path, name: name, brief: brief))
        }
    }

    /// Writes back the template's versions of `paths` (from `drift`), replacing what is there. Only on a
    /// person's explicit answer: a file that differs may be someone's work.
    public func restore(_ paths: [String], into worktree: URL, name: String, brief: String) throws {
        for path in paths { try write(path, into: worktree, name: name, brief: brief) }
    }

    private func render(_ path: String, name: String, brief: String) throws -> Data {
        let text = try String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)
        return Data(text.replacingOccurrences(of: "{{name}}", with: name).replacingOccurrences(of: "{{brief}}", with: brief).utf8)
    }

    private func write(_ path: String, into worktree: URL, name: String, brief: String) throws {
        let target = worktree.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try render(path, name: name, brief: brief).write(to: target)
    }

    /// `docs/DESIGN.md` from the brief: what to build, its shape, the change requests, how it is checked.
    public static func design(name: String, brief: String, changes: [ProjectSpec.Change], template: String) -> String {
        var lines = [
            "# Design: \(name)", "",
            "## Brief", "", brief.isEmpty ? "(no brief given)" : brief, "",
            "## Shape", "",
            "- Scaffolded from Steward's `\(template)` template: a Python 3 standard-library HTTP service (`app.py`).",
            "- `GET /health` answers 200 `{\"status\": \"ok\"}`; the paths in `routes.json` answer their text.",
            "- Listens on `$HOST:$PORT` (HOST defaults to 127.0.0.1); started by the Procfile's `web:` line.",
            "",
            "## Change requests", "",
        ]
        lines += changes.isEmpty ? ["(none yet)"] : changes.map { "- `\($0.id)`: \($0.description)" }
        lines += ["", "## Checks", "", "`python3 -m unittest` runs `test_app.py`; Steward's Tester runs it before every deploy.", ""]
        return lines.joined(separator: "\n")
    }
}

/// A failure of an agent that is not a node's own kind: what happened and what to do.
public struct AgentError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
