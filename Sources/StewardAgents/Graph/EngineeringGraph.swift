import Foundation
import StewardGraph
import StewardModel

/// The Engineering subgraph, one node to the project graph:
///
/// ```
/// architect ─▶ developer ─▶ tester ─┬▶ review ─┬▶ propose ─▶ end (approved: verified)
///     │            ▲               │          └▶ developer (changes missing)
///     └▶ propose   ├───────────────┘ (failed, fewer than 3 runs)
///  (stage designed)└── ask ◀─────── (failed 3 times: blocked, asks a person)
/// ```
/// Stage `designed` ends after the architect, `implemented` after the developer, each through `propose`: in a
/// repo Steward did not create the agents committed only to their proposal branch, and `propose` asks a person
/// to merge it (a pull request on GitHub) and waits; elsewhere it does nothing.
public enum EngineeringGraph {
    /// Failed test runs in a row before engineering is blocked and a person is asked.
    public static let maxIterations = 3

    /// The compiled subgraph over `environment`.
    public static func build(_ environment: AgentEnvironment) throws -> CompiledGraph<EngineeringState> {
        let architect = Architect(environment: environment)
        var builder = GraphBuilder<EngineeringState>()
        builder.addNode("architect", writes: [\.repository, \.proposalBranch, \.commit, \.log], timeout: .seconds(600)) { state, context in
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
        builder.addNode("propose", writes: [\.proposal, \.log]) { state, context in
            try await propose(state, context, environment)
        }
        builder.addEdge(from: Graph.start, to: "architect")
        builder.addConditionalEdge(from: "architect", to: ["developer", "propose"]) { $0.stage == .designed ? "propose" : "developer" }
        builder.addConditionalEdge(from: "developer", to: ["tester", "propose"]) { $0.stage == .implemented ? "propose" : "tester" }
        builder.addConditionalEdge(from: "tester", to: ["review", "developer", "ask"]) { state in
            if state.report?.passed == true { return "review" }
            return state.iterations >= maxIterations ? "ask" : "developer"
        }
        builder.addEdge(from: "ask", to: "developer")
        builder.addConditionalEdge(from: "review", to: ["propose", "developer"]) { $0.approved ? "propose" : "developer" }
        builder.addEdge(from: "propose", to: Graph.end)
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
        let (result, commit) = try await environment.withWorktree(repository, project: state.project, branch: state.proposalBranch) { worktree, _ in
            let result = try await environment.developer.implement(task, in: worktree, context: context)
            let summary = result.implemented.isEmpty ? "Developer: \(result.note)" : "Implement \(result.implemented.joined(separator: ", "))"
            // A trailer names the change requests in the repo's history too, beside the project record.
            let trailer = result.implemented.isEmpty ? "" : "\n\nSteward-Change-Requests: \(result.implemented.joined(separator: ", "))"
            let commit = try await environment.commit(state, repository, from: worktree, message: "\(summary)\n\n\(result.note)\(trailer)")
            return (result, commit)
        }
        try await environment.recorder.move(state.project, to: .implemented, "implemented at \(commit.map { String($0.prefix(12)) } ?? "-"): \(result.note)")
        var implemented = state.implemented
        for id in result.implemented where !implemented.contains(id) { implemented.append(id) }
        return Update<EngineeringState>()
            .setting(\.implemented, implemented).setting(\.commit, commit).setting(\.guidance, nil)
            .appending(\.log, "developer: \(result.note)")
    }

    /// The `propose` node: in a repo Steward did not create, asks a person to merge the agents' branch (a pull
    /// request on GitHub, opened once) and waits. The reconciler answers for the person when the project's ref
    /// moves past the commit it had when the proposal was made (the merge); `steward answer` goes on at once.
    static func propose(_ state: EngineeringState, _ context: NodeContext, _ environment: AgentEnvironment) async throws -> Update<EngineeringState> {
        guard let branch = state.proposalBranch, let repository = state.repository else { return Update<EngineeringState>() }
        let proposal: ChangeProposal? = try await context.effect("propose") { _ in
            guard let head = try await environment.workspace.head(repository, branch: branch) else { return nil }
            let baseCommit = try await environment.workspace.head(repository, branch: repository.defaultBranch)
            var proposal = try await environment.forge.proposeChange(
                repository, branch: branch, base: repository.defaultBranch,
                title: "Steward: \(state.project), \(state.maintenance == true ? "change requests" : "stage \(state.stage.rawValue)")",
                body: "Steward's agents made these changes for project \(state.project). Steward did not create this "
                    + "repository, so it never pushes to \(repository.defaultBranch): merge this when you agree, and Steward "
                    + "continues.\n\n" + state.log.suffix(8).map { "- \($0)" }.joined(separator: "\n"))
            proposal.baseCommit = baseCommit
            proposal.head = head
            return proposal
        }
        guard let proposal else {
            return Update<EngineeringState>().appending(\.log, "propose: the agents changed nothing on \(branch)")
        }
        try await environment.recorder.recordProposal(state.project, proposal)
        let answer = try context.interrupt(
            "The agents' changes to \(state.repo), which Steward did not create, wait on \(proposal.summary). Merge them: "
                + "Steward continues when \(repository.defaultBranch) moves past \(proposal.baseCommit.map { String($0.prefix(12)) } ?? "its empty start"). "
                + "Or answer `continue` to go on without them.")
        try await environment.recorder.recordProposal(state.project, nil, answer: answer)
        return Update<EngineeringState>()
            .setting(\.proposal, proposal)
            .appending(\.log, "propose: \(proposal.summary): \(answer)")
    }

    /// The `tester` node: the repo's checks on the developer's commit.
    static func test(_ state: EngineeringState, _ context: NodeContext, _ environment: AgentEnvironment) async throws -> Update<EngineeringState> {
        guard let repository = state.repository else { throw AgentError("the tester ran before the architect provided the repo") }
        try await environment.recorder.move(state.project, to: .verifying, "the Tester runs the checks")
        let report = try await context.effect("run-checks") { _ in
            try await environment.withWorktree(repository, project: state.project, branch: state.proposalBranch) { worktree, _ in
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
