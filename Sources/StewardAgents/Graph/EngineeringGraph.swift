import Foundation
import StewardGraph
import StewardModel

/// The Engineering subgraph, one node to the project graph:
///
/// ```
/// architect ─▶ developer ─▶ tester ─┬▶ review ─┬▶ end (approved: verified)
///     │            ▲               │          └▶ developer (changes missing)
///     └▶ end       ├───────────────┘ (failed, fewer than 3 runs)
///  (stage designed)└── ask ◀─────── (failed 3 times: blocked, asks a person)
/// ```
/// Stage `designed` ends after the architect, `implemented` after the developer.
public enum EngineeringGraph {
    /// Failed test runs in a row before engineering is blocked and a person is asked.
    public static let maxIterations = 3

    /// The compiled subgraph over `environment`.
    public static func build(_ environment: AgentEnvironment) throws -> CompiledGraph<EngineeringState> {
        let architect = Architect(environment: environment)
        var builder = GraphBuilder<EngineeringState>()
        builder.addNode("architect", writes: [\.repository, \.commit, \.log], timeout: .seconds(600)) { state, context in
            try await architect.design(state, context)
        }
        builder.addNode("developer", writes: [\.implemented, \.commit, \.guidance, \.log], maxRuns: 12) { state, context in
            try await develop(state, context, environment)
        }
        builder.addNode("tester", writes: [\.report, \.iterations, \.status, \.log], maxRuns: 12) { state, context in
            try await test(state, context, environment)
        }
        builder.addNode("ask", writes: [\.iterations, \.guidance, \.status, \.log]) { state, context in
            let answer = try context.interrupt(
                "Engineering of \(state.project) is blocked: `\(state.report?.command ?? "-")` failed \(maxIterations) times in a row. "
                    + "Last output:\n\(CommandDeveloper.tail(state.report?.output ?? "", lines: 8))\n"
                    + "Answer with guidance for the Developer (it tries \(maxIterations) more times).")
            return Update<EngineeringState>()
                .setting(\.iterations, 0).setting(\.guidance, answer).setting(\.status, .working)
                .appending(\.log, "ask: a person answered \"\(answer)\"")
        }
        builder.addNode("review", writes: [\.approved, \.log]) { state, context in
            try await architect.review(state, context)
        }
        builder.addEdge(from: Graph.start, to: "architect")
        builder.addConditionalEdge(from: "architect", to: ["developer", Graph.end]) { $0.stage == .designed ? Graph.end : "developer" }
        builder.addConditionalEdge(from: "developer", to: ["tester", Graph.end]) { $0.stage == .implemented ? Graph.end : "tester" }
        builder.addConditionalEdge(from: "tester", to: ["review", "developer", "ask"]) { state in
            if state.report?.passed == true { return "review" }
            return state.iterations >= maxIterations ? "ask" : "developer"
        }
        builder.addEdge(from: "ask", to: "developer")
        builder.addConditionalEdge(from: "review", to: [Graph.end, "developer"]) { $0.approved ? Graph.end : "developer" }
        return try builder.compile(maxSteps: 60)
    }

    /// The `developer` node: a fresh worktree, the backend's changes, one commit.
    static func develop(_ state: EngineeringState, _ context: NodeContext, _ environment: AgentEnvironment) async throws -> Update<EngineeringState> {
        guard let repository = state.repository else { throw AgentError("the developer ran before the architect provided the repo") }
        try await environment.recorder.move(state.project, to: .implementing,
            state.report?.passed == false ? "the Developer fixes: \(state.report?.command ?? "-") failed" : "the Developer implements")
        let failed = state.report?.passed == false ? state.report : nil
        let task = DeveloperTask(
            project: state.project, repo: state.repo, brief: state.brief, changes: state.pendingChanges, failedReport: failed,
            guidance: state.guidance)
        let (result, commit) = try await environment.withWorktree(repository, project: state.project) { worktree, _ in
            let result = try await environment.developer.implement(task, in: worktree, context: context)
            let summary = result.implemented.isEmpty ? "Developer: \(result.note)" : "Implement \(result.implemented.joined(separator: ", "))"
            // A trailer names the change requests in the repo's history too, beside the project record.
            let trailer = result.implemented.isEmpty ? "" : "\n\nSteward-Change-Requests: \(result.implemented.joined(separator: ", "))"
            let commit = try await environment.workspace.commit(
                repository, branch: repository.defaultBranch, from: worktree, message: "\(summary)\n\n\(result.note)\(trailer)")
            return (result, commit)
        }
        try await environment.recorder.move(state.project, to: .implemented, "implemented at \(commit.map { String($0.prefix(12)) } ?? "-"): \(result.note)")
        var implemented = state.implemented
        for id in result.implemented where !implemented.contains(id) { implemented.append(id) }
        return Update<EngineeringState>()
            .setting(\.implemented, implemented).setting(\.commit, commit).setting(\.guidance, nil)
            .appending(\.log, "developer: \(result.note)")
    }

    /// The `tester` node: the repo's checks on the developer's commit.
    static func test(_ state: EngineeringState, _ context: NodeContext, _ environment: AgentEnvironment) async throws -> Update<EngineeringState> {
        guard let repository = state.repository else { throw AgentError("the tester ran before the architect provided the repo") }
        try await environment.recorder.move(state.project, to: .verifying, "the Tester runs the checks")
        let report = try await context.effect("run-checks") { _ in
            try await environment.withWorktree(repository, project: state.project) { worktree, _ in
                try await environment.tester.test(worktree)
            }
        }
        let iterations = report.passed ? 0 : state.iterations + 1
        if report.noChecks == true {
            try await environment.recorder.move(state.project, to: .verifying, "the repo has no checks") {
                $0.conditions.set(Condition.verified, .unknown, reason: "NoChecks", message: report.output, at: environment.recorder.now())
            }
            try await environment.recorder.note(state.project, "NoChecks", report.output, warning: true)
        } else {
            try await environment.recorder.move(state.project, to: .verifying, "checks \(report.passed ? "passed" : "failed")") {
                $0.conditions.set(Condition.verified, report.passed ? .true : .false, reason: report.passed ? "ChecksPassed" : "ChecksFailed",
                    message: report.command, at: environment.recorder.now())
            }
            try await environment.recorder.note(state.project, report.passed ? "TestsPassed" : "TestsFailed",
                "\(report.command): \(report.passed ? "passed" : "failed (\(iterations) of \(maxIterations))")", warning: !report.passed)
        }
        return Update<EngineeringState>()
            .setting(\.report, report).setting(\.iterations, iterations)
            .setting(\.status, !report.passed && iterations >= maxIterations ? .blocked : .working)
            .appending(\.log, "tester: " + (report.noChecks == true ? "no checks" : "\(report.command) \(report.passed ? "passed" : "failed")"))
    }
}
