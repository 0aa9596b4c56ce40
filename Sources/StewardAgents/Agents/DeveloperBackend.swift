import Foundation
import StewardGraph
import StewardModel

/// What the Developer is asked to do; written as JSON to the `command` backend's task file.
public struct DeveloperTask: Sendable, Codable, Hashable {
    public var project: String
    public var repo: String
    public var brief: String
    /// Change requests still to implement, in manifest order.
    public var changes: [ProjectSpec.Change]
    /// The Tester's last report when it failed: what to fix.
    public var failedReport: TestReport?
    /// A person's guidance after engineering was blocked.
    public var guidance: String?
    /// Answers to the questions this backend asked (`NEEDS_INPUT`), in order.
    public var answers: [String]

    public init(
        project: String, repo: String, brief: String, changes: [ProjectSpec.Change], failedReport: TestReport? = nil,
        guidance: String? = nil, answers: [String] = []
    ) {
        self.project = project
        self.repo = repo
        self.brief = brief
        self.changes = changes
        self.failedReport = failedReport
        self.guidance = guidance
        self.answers = answers
    }
}

/// What the Developer did: the change requests now implemented (or skipped by a person) and a note.
public struct DeveloperResult: Sendable, Codable, Hashable {
    public var implemented: [String]
    public var note: String

    public init(implemented: [String], note: String) {
        self.implemented = implemented
        self.note = note
    }
}

/// A Developer implementation (`agents.backend`): changes the files of a worktree.
///
/// It may ask a person with `context.interrupt(question)`: the thread pauses, and when it is resumed the node
/// runs again from its start in a fresh worktree, where the same call returns the answer.
public protocol DeveloperBackend: Sendable {
    /// Implements `task` in `worktree` (a checkout of the repo's default branch); the caller commits it.
    func implement(_ task: DeveloperTask, in worktree: URL, context: NodeContext) async throws -> DeveloperResult
}
