import Foundation
@testable import StewardAgents
import StewardGraph
import StewardTestSupport
import Testing

/// The builtin Developer never replaces a file it did not write: after failed checks it asks before it
/// writes the template's files back.
struct BuiltinDeveloperTests {
    /// A one-node graph around the developer, so its interrupts pause and resume as in the project graph.
    struct Note: GraphState {
        var note = ""
        static let schema = StateSchema<Note>(.lastValue("note", \.note))
    }

    private func engine(_ developer: BuiltinDeveloper, worktree: URL) throws -> GraphEngine<Note> {
        var builder = GraphBuilder<Note>()
        builder.addNode("developer", writes: [\Note.note]) { _, context in
            let task = DeveloperTask(
                project: "shop", repo: "acme/shop", brief: "a shop", changes: [],
                failedReport: TestReport(command: "python3 -m unittest", passed: false, output: "exit 1"))
            let result = try await developer.implement(task, in: worktree, context: context)
            return Update<Note>().setting(\.note, result.note)
        }
        builder.addEdge(from: Graph.start, to: "developer")
        builder.addEdge(from: "developer", to: Graph.end)
        return GraphEngine(graph: try builder.compile(), checkpointer: InMemoryCheckpointer())
    }

    private func scaffolded() throws -> (BuiltinDeveloper, TemporaryDirectory) {
        let template = try ScaffoldTemplate(templates: AgentFixture.repoRoot.appendingPathComponent("examples/templates"))
        let worktree = try TemporaryDirectory(prefix: "steward-builtin")
        try template.scaffold(into: worktree.url, name: "shop", brief: "a shop")
        return (BuiltinDeveloper(template: template), worktree)
    }

    @Test func aPersonsChangeToATemplateFileIsNeverOverwrittenWithoutConsent() async throws {
        let (developer, worktree) = try scaffolded()
        let mine = "print('my own app')\n"
        try worktree.write("app.py", mine)
        let engine = try engine(developer, worktree: worktree.url)

        let paused = try await engine.start(thread: "t", input: Note())
        guard case .interrupted(let questions) = paused.status else { Issue.record("not interrupted: \(paused.status)"); return }
        #expect(questions.first?.question.contains("app.py differs from") == true)
        #expect(questions.first?.question.contains("does not replace files it did not write") == true)
        #expect(try String(contentsOf: worktree.url.appendingPathComponent("app.py"), encoding: .utf8) == mine)

        let kept = try await engine.resume(thread: "t", answer: "skip")
        #expect(kept.status == .completed)
        #expect(kept.state.note.contains("left app.py as they are"))
        #expect(try String(contentsOf: worktree.url.appendingPathComponent("app.py"), encoding: .utf8) == mine)
    }

    @Test func theAnswerRestoreWritesTheTemplateBack() async throws {
        let (developer, worktree) = try scaffolded()
        let original = try Data(contentsOf: worktree.url.appendingPathComponent("app.py"))
        try worktree.write("app.py", "broken\n")
        let engine = try engine(developer, worktree: worktree.url)

        _ = try await engine.start(thread: "t", input: Note())
        let restored = try await engine.resume(thread: "t", answer: "restore")
        #expect(restored.status == .completed)
        #expect(restored.state.note.contains("restored app.py as a person asked"))
        #expect(try Data(contentsOf: worktree.url.appendingPathComponent("app.py")) == original)
    }

    @Test func intactTemplateFilesNeedNoQuestion() async throws {
        let (developer, worktree) = try scaffolded()
        let run = try await engine(developer, worktree: worktree.url).start(thread: "t", input: Note())
        #expect(run.status == .completed)
        #expect(run.state.note.contains("template files are intact"))
    }
}
