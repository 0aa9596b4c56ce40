import Foundation
import StewardGraph

/// One message of a chat completion.
public struct ChatMessage: Sendable, Codable, Hashable {
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// The Developer as an OpenAI-compatible chat model (`agents.backend: openai`): it is shown the brief, the
/// pending change requests, the failed test report and the repo's text files, and asked for one unified
/// diff, which is applied with libgit2 (all hunks or nothing). A reply `NEEDS_INPUT: question` asks a person;
/// the answers go into the next request.
public struct OpenAIDeveloper: DeveloperBackend {
    /// Sends the messages to the chat completions endpoint and returns the reply's content (the CLI wires it
    /// over the libcurl client).
    public let complete: @Sendable ([ChatMessage]) async throws -> String
    /// Applies a unified diff to a worktree, returning the paths it touched (StewardGit's `GitPatch.apply`).
    public let applyPatch: @Sendable (String, URL) throws -> [String]
    /// The most file bytes shown to the model.
    public let contextLimit: Int

    public init(
        contextLimit: Int = 96 * 1024, complete: @escaping @Sendable ([ChatMessage]) async throws -> String,
        applyPatch: @escaping @Sendable (String, URL) throws -> [String]
    ) {
        self.contextLimit = contextLimit
        self.complete = complete
        self.applyPatch = applyPatch
    }

    static let instructions = """
        You are the Developer of a small software project managed by Steward. Implement the change requests \
        (and fix the failing checks, if a report is given) by editing the repository shown. Reply with exactly \
        one unified diff in git format (diff --git a/PATH b/PATH, ---/+++ lines, @@ hunks) inside a ```diff block, \
        and nothing else. Keep the tests passing; add tests for new behaviour. If you cannot proceed without a \
        decision from a person, reply with one line: NEEDS_INPUT: <your question>
        """

    public func implement(_ task: DeveloperTask, in worktree: URL, context: NodeContext) async throws -> DeveloperResult {
        var task = task
        let files = try repositoryText(worktree)
        while true {
            let reply = try await complete([
                ChatMessage(role: "system", content: Self.instructions),
                ChatMessage(role: "user", content: Self.prompt(task, files: files)),
            ])
            if let question = CommandDeveloper.question(in: reply) {
                task.answers.append(try context.interrupt(question))
                continue
            }
            guard let diff = Self.diff(in: reply) else {
                throw AgentError("the model's reply holds no unified diff; it began: \(reply.prefix(200))")
            }
            let touched: [String]
            do {
                touched = try applyPatch(diff, worktree)
            } catch {
                throw AgentError("the model's diff does not apply: \(error)")
            }
            return DeveloperResult(implemented: task.changes.map(\.id), note: "applied the model's diff to \(touched.joined(separator: ", "))")
        }
    }

    /// The user message: what to do and the files, each as a fenced block.
    static func prompt(_ task: DeveloperTask, files: [(path: String, text: String)]) -> String {
        var lines = ["Project: \(task.project) (repo \(task.repo))", "", "Brief:", task.brief, "", "Change requests:"]
        lines += task.changes.isEmpty ? ["(none)"] : task.changes.map { "- \($0.id): \($0.description)" }
        if let report = task.failedReport {
            lines += ["", "The checks failed (`\(report.command)`):", "```", report.output, "```"]
        }
        if let guidance = task.guidance { lines += ["", "A person's guidance: \(guidance)"] }
        for (index, answer) in task.answers.enumerated() { lines += ["", "A person's answer to your question \(index + 1): \(answer)"] }
        lines += ["", "Repository files:"]
        for file in files { lines += ["", "=== \(file.path)", "```", file.text, "```"] }
        return lines.joined(separator: "\n")
    }

    /// The diff of a reply: the first ```diff (or ```patch, or bare ```) block, else the reply itself when it
    /// starts like a diff.
    static func diff(in reply: String) -> String? {
        var block: [Substring] = []
        var inside = false
        for line in reply.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                if inside { break }
                inside = true
                continue
            }
            if inside { block.append(line) }
        }
        let text = inside ? block.joined(separator: "\n") : reply
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("diff --git") || trimmed.hasPrefix("--- ") else { return nil }
        return trimmed + "\n"
    }

    /// The repository's UTF-8 files, sorted, up to `contextLimit` bytes.
    private func repositoryText(_ worktree: URL) throws -> [(path: String, text: String)] {
        var files: [(path: String, text: String)] = []
        var budget = contextLimit
        let enumerator = FileManager.default.enumerator(atPath: worktree.path)
        var paths: [String] = []
        while let path = enumerator?.nextObject() as? String { paths.append(path) }
        for path in paths.sorted() where !path.split(separator: "/").contains(where: { $0 == ".git" || $0 == "__pycache__" }) {
            guard let data = try? Data(contentsOf: worktree.appendingPathComponent(path)), data.count <= budget,
                let text = String(data: data, encoding: .utf8)
            else { continue }
            budget -= data.count
            files.append((path, text))
        }
        return files
    }
}
