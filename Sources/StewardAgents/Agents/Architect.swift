import Foundation
import StewardCore
import StewardGraph
import StewardModel

/// The Architect: creates the repository on the forge if absent (once, even across crashes), scaffolds it
/// from the template, writes `docs/DESIGN.md` from the brief, and reviews the Developer's result against
/// the Tester's report.
struct Architect: Sendable {
    let environment: AgentEnvironment

    /// The `architect` node: repository, scaffold, design; the project moves provisioning → designed.
    func design(_ state: EngineeringState, _ context: NodeContext) async throws -> Update<EngineeringState> {
        let recorder = environment.recorder
        let parts = state.repo.split(separator: "/").map(String.init)
        guard parts.count == 2 else { throw AgentError("repo \(state.repo) of project \(state.project) is not OWNER/NAME") }
        if state.maintenance == true { return try await plan(state, context, owner: parts[0], name: parts[1]) }
        try await recorder.move(state.project, to: .provisioning, "the Architect provides repo \(state.repo)")
        // Recorded before the call and after it: a crash in between is a retry that looks before it creates.
        let repository = try await context.effect("create-repo") { attempt in
            try await createOrFind(owner: parts[0], name: parts[1], brief: state.brief, project: state.project, retry: attempt.isRetry)
        }
        try await recorder.move(state.project, to: .initialized, "repo \(repository.fullName) exists")
        var working = state
        working.repository = repository
        working.proposalBranch = try await proposalBranch(state)
        try await recorder.move(state.project, to: .designing, "the Architect writes the design"
            + (working.proposalBranch.map { " on branch \($0) (\(state.repo) is not Steward's: a person merges it)" } ?? ""))
        let commit = try await context.effect("scaffold") { _ in
            try await environment.withWorktree(repository, project: state.project, branch: working.proposalBranch) { worktree, head in
                var message: [String] = []
                if head == nil {
                    try environment.template.scaffold(into: worktree, name: state.project, brief: state.brief)
                    message.append("Scaffold \(state.project) from the \(environment.template.directory.lastPathComponent) template")
                }
                let design = worktree.appendingPathComponent("docs/DESIGN.md")
                if !FileManager.default.fileExists(atPath: design.path) {
                    try FileManager.default.createDirectory(at: design.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(ScaffoldTemplate.design(
                        name: state.project, brief: state.brief, changes: state.changes,
                        template: environment.template.directory.lastPathComponent).utf8).write(to: design)
                    message.append("write docs/DESIGN.md from the brief")
                }
                return try await environment.commit(
                    working, repository, from: worktree, message: message.isEmpty ? "Design" : message.joined(separator: "; "))
            }
        }
        try await recorder.move(state.project, to: .designed, "design written (commit \(commit.map { String($0.prefix(12)) } ?? "-"))")
        return Update<EngineeringState>()
            .setting(\.repository, repository)
            .setting(\.proposalBranch, working.proposalBranch)
            .setting(\.commit, commit)
            .appending(\.log, "architect: \(repository.fullName) at \(commit.map { String($0.prefix(12)) } ?? "-"), design written"
                + (working.proposalBranch.map { " on \($0)" } ?? ""))
    }

    /// Where the agents write: nil (the default branch) in a repo Steward created or when the manifest says
    /// `agents.write: direct`; else the proposal branch `steward/<generation>-<project>`, never the deployed
    /// branch of a repo a person made.
    private func proposalBranch(_ state: EngineeringState) async throws -> String? {
        let record = try await environment.recorder.store.project(named: state.project)
        if record?.repoOrigin == .created || state.writeDirect == true { return nil }
        return "steward/\(state.generation ?? record?.generation ?? 0)-\(state.project)"
    }

    /// The `architect` node of a maintenance thread: the deployed project's repo must exist (it is never created
    /// or scaffolded again); the Developer gets the change requests not implemented yet. The phase stays
    /// `maintenance` until the Developer starts.
    private func plan(_ state: EngineeringState, _ context: NodeContext, owner: String, name: String) async throws -> Update<EngineeringState> {
        let repository = try await context.effect("find-repo") { _ in
            let pages = try await environment.forge.listRepositories(owner: owner, cached: [])
            guard let existing = pages.flatMap(\.repositories).first(where: { $0.name == name }) else {
                throw AgentError("repo \(state.repo) of project \(state.project) is not on the forge: maintenance changes an existing repo")
            }
            return existing
        }
        let pending = state.pendingChanges.map(\.id)
        let branch = try await proposalBranch(state)
        try await environment.recorder.note(state.project, "MaintenancePlanned",
            "the Architect hands change requests \(pending.joined(separator: ", ")) of \(repository.fullName) to the Developer"
                + (branch.map { " (on branch \($0), for a person to merge)" } ?? ""))
        return Update<EngineeringState>()
            .setting(\.repository, repository)
            .setting(\.proposalBranch, branch)
            .appending(\.log, "architect: maintenance of \(repository.fullName): \(pending.joined(separator: ", "))")
    }

    /// Looks for the repository first (always on a retry: the first attempt may have created it), creates it
    /// when absent, and records which it was as an event.
    private func createOrFind(owner: String, name: String, brief: String, project: String, retry: Bool) async throws -> ForgeRepository {
        let pages = try await environment.forge.listRepositories(owner: owner, cached: [])
        if let existing = pages.flatMap(\.repositories).first(where: { $0.name == name }) {
            try await environment.recorder.recordRepo(project, created: false, reason: "RepoFound",
                "repo \(existing.fullName) already exists on the forge (id \(existing.id))" + (retry ? "; an interrupted attempt is not repeated" : ""))
            return existing
        }
        // Recorded before the call: a retry after a crash in between finds the repo and knows it is Steward's.
        try await environment.recorder.recordRepo(project, created: true, reason: "RepoCreating", "creating repo \(owner)/\(name) on the forge")
        let created = try await environment.forge.createRepository(
            owner: owner, name: name, isPrivate: true, description: brief.isEmpty ? nil : String(brief.prefix(200)))
        try await environment.recorder.note(project, "RepoCreated", "created repo \(created.fullName) on the forge (id \(created.id))")
        return created
    }

    /// The `review` node: approves when the Tester passed and every change request is implemented.
    func review(_ state: EngineeringState, _ context: NodeContext) async throws -> Update<EngineeringState> {
        let passed = state.report?.passed == true
        let missing = state.pendingChanges.map(\.id)
        let approved = passed && missing.isEmpty
        if approved {
            // The implemented change requests are recorded with the verified phase: from here on they are not
            // pending, so the planner deploys and a later pass with no new change request engineers nothing.
            let implemented = state.implemented
            try await environment.recorder.move(state.project, to: .verified,
                "the Architect approved \(state.commit.map { String($0.prefix(12)) } ?? "-"): "
                    + (state.report?.noChecks == true ? "the repo has no checks (Verified=Unknown)" : "\(state.report?.command ?? "-") passed")
                    + (implemented.isEmpty ? "" : "; change requests implemented: \(implemented.joined(separator: ", "))")
            ) { record in
                for id in implemented where !record.implementedChanges.contains(id) { record.implementedChanges.append(id) }
            }
        }
        let verdict = approved ? "approved" : "sent back: " + (passed ? "changes \(missing.joined(separator: ", ")) missing" : "checks fail")
        return Update<EngineeringState>().setting(\.approved, approved).appending(\.log, "review: \(verdict)")
    }
}
