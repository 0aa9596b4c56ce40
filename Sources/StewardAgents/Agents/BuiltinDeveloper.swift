import Foundation
import StewardGraph
import StewardModel

/// The deterministic, offline Developer (`agents.backend: builtin`): applies templates, never guesses.
///
/// It understands change requests of one form, `add endpoint /PATH returning TEXT` (quotes optional), which
/// it implements as a route in the python-web template's `routes.json`; `skip` (as a person's answer)
/// drops a change. Anything else, or a repo without `routes.json`, interrupts the thread asking a person.
///
/// It never replaces a file it did not write: after a failed test run it compares the template's code files
/// with the repo's and, when any is missing or differs, asks a person (the answer `restore` writes the
/// template's versions back; anything else leaves the files as they are).
public struct BuiltinDeveloper: DeveloperBackend {
    /// The scaffold template the repo was made from.
    public let template: ScaffoldTemplate

    public init(template: ScaffoldTemplate) {
        self.template = template
    }

    public func implement(_ task: DeveloperTask, in worktree: URL, context: NodeContext) async throws -> DeveloperResult {
        var notes: [String] = []
        if task.failedReport != nil {
            let drifted = try template.drift(in: worktree, name: task.project, brief: task.brief)
            if drifted.isEmpty {
                notes.append("template files are intact")
            } else {
                let answer = try context.interrupt(
                    "The checks of project \(task.project) failed, and \(drifted.joined(separator: ", ")) "
                        + "\(drifted.count == 1 ? "differs" : "differ") from (or \(drifted.count == 1 ? "is" : "are") missing in) the "
                        + "\(template.directory.lastPathComponent) template. The builtin developer does not replace files it did not "
                        + "write: fix the repo yourself and answer `skip`, or answer `restore` to have the template's versions written back.")
                if answer.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "restore" {
                    try template.restore(drifted, into: worktree, name: task.project, brief: task.brief)
                    notes.append("restored \(drifted.joined(separator: ", ")) as a person asked")
                } else {
                    notes.append("left \(drifted.joined(separator: ", ")) as they are, as a person answered")
                }
            }
        }
        var implemented: [String] = []
        for change in task.changes {
            var instruction = change.description
            var asked = false
            while true {
                if instruction.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() == "skip", asked {
                    notes.append("\(change.id): skipped as a person asked")
                    break
                }
                let hasRoutes = FileManager.default.fileExists(atPath: worktree.appendingPathComponent("routes.json").path)
                if let route = Self.route(in: instruction), hasRoutes {
                    try Self.addRoute(route, in: worktree)
                    notes.append("\(change.id): added \(route.path)")
                    break
                }
                // A repo not made from the python-web template has no routes.json its app reads: adding one would
                // change nothing that runs, so a person decides.
                instruction = try context.interrupt(hasRoutes || Self.route(in: instruction) == nil
                    ? "The builtin developer cannot implement change \(change.id) (\"\(instruction)\") of project \(task.project). "
                        + "Rephrase it as `add endpoint /PATH returning TEXT`, or answer `skip`."
                    : "The builtin developer cannot implement change \(change.id) of project \(task.project): the repo has no "
                        + "routes.json (it was not made from the python-web template). Implement it in the repo yourself and answer "
                        + "`skip`, or use another agents.backend.")
                asked = true
            }
            implemented.append(change.id)
        }
        return DeveloperResult(implemented: implemented, note: notes.isEmpty ? "nothing to change" : notes.joined(separator: "; "))
    }

    /// `add endpoint /PATH returning TEXT` → (path, text).
    static func route(in text: String) -> (path: String, text: String)? {
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 5, words[0].lowercased() == "add", ["endpoint", "route"].contains(words[1].lowercased()),
            words[2].hasPrefix("/"), ["returning", "answering", "returns"].contains(words[3].lowercased())
        else { return nil }
        let path = String(words[2])
        guard path.allSatisfy({ $0.isLetter || $0.isNumber || "/-_.".contains($0) }) else { return nil }
        var reply = words[4...].joined(separator: " ")
        if reply.count >= 2, let first = reply.first, first == reply.last, first == "\"" || first == "'" {
            reply = String(reply.dropFirst().dropLast())
        }
        return (path, reply)
    }

    static func addRoute(_ route: (path: String, text: String), in worktree: URL) throws {
        let file = worktree.appendingPathComponent("routes.json")
        var routes: [String: String] = [:]
        if let data = try? Data(contentsOf: file) {
            routes = (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
        }
        routes[route.path] = route.text
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(routes) + Data("\n".utf8)).write(to: file)
    }
}
