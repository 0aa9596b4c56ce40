import Foundation
import StewardCore
import StewardGraph
import StewardModel

/// The Recovery agent's graph (seed 5.2), one thread per incident:
///
/// ```
/// assess ─┬▶ server  (check, bootstrap, provision, redeploy its projects) ─┐
///         ├▶ project (forced redeploy) ───────────────────────────────────┼▶ verify (health) ─▶ close
///         ├▶ repo    (re-link, else re-create from Steward's copy) ───────┘
///         └▶ close   (host_key_changed: refused)
/// ```
/// Every side effect (the incident's status moves, each playbook, each redeploy, the repo's creation) runs in
/// `ctx.effect`, so a thread resumed after `kill -9` repeats none that finished.
public enum RecoveryGraph {
    /// The compiled graph over `operations`.
    public static func build(_ operations: any RecoveryOperations) throws -> CompiledGraph<RecoveryState> {
        var builder = GraphBuilder<RecoveryState>()
        builder.addNode("assess", writes: [\.steps, \.failure]) { state, context in
            if let refusal = RecoveryDecision.refusal(state.incident) {
                return Update<RecoveryState>().setting(\.failure, refusal)
                    .appending(\.steps, "refused: \(refusal)")
            }
            let incident = state.incident
            _ = try await context.effect("mark-recovering") { _ -> Bool in
                try await operations.mark(incident: incident, .recovering,
                    "recovering (\(state.decision.rawValue)): \(incident.message)")
                return true
            }
            return Update<RecoveryState>().appending(\.steps, "recovering: \(state.decision.rawValue)")
        }
        builder.addNode("server", writes: [\.steps, \.failure]) { state, context in
            try await recoverServer(state.incident.objectName, operations, context)
        }
        builder.addNode("project", writes: [\.steps, \.failure]) { state, context in
            let result = try await context.effect("redeploy") { _ in try await operations.redeploy(state.incident.objectName) }
            return apply([("redeploy \(state.incident.objectName)", result)])
        }
        builder.addNode("repo", writes: [\.steps, \.failure]) { state, context in
            try await restoreRepo(state.incident.objectName, operations, context)
        }
        builder.addNode("verify", writes: [\.steps, \.failure]) { state, context in
            guard state.failure == nil else { return Update() }
            let projects: [String]
            if state.incident.objectKind == "Server" {
                projects = try await context.effect("projects") { _ in try await operations.projects(on: state.incident.objectName) }
            } else {
                projects = [state.incident.objectName]
            }
            var results: [(String, RecoveryStepResult)] = []
            for project in projects {
                let result = try await context.effect("health-\(project)") { _ in try await operations.checkHealth(project) }
                results.append(("health \(project)", result))
            }
            return apply(results)
        }
        builder.addNode("close", writes: [\.steps, \.outcome]) { state, context in
            let status: IncidentRecord.Status = state.failure == nil ? .resolved : .failed
            let message = state.failure.map { "recovery failed: \($0)" }
                ?? "recovered: " + state.steps.filter { !$0.hasPrefix("recovering") }.joined(separator: "; ")
            let incident = state.incident
            if state.decision == .refuse {
                // Not started: the incident stays open (the sync resolves it once the new key is pinned).
                _ = try await context.effect("mark-refused") { _ -> Bool in
                    try await operations.mark(incident: incident, .detected,
                        "\(incident.message) (not recovered automatically: \(state.failure ?? "refused"))")
                    return true
                }
                return Update<RecoveryState>().setting(\.outcome, .failed).appending(\.steps, "not started")
            }
            _ = try await context.effect("mark-\(status.rawValue)") { _ -> Bool in
                try await operations.mark(incident: incident, status, message)
                return true
            }
            return Update<RecoveryState>().setting(\.outcome, status).appending(\.steps, "\(status.rawValue)")
        }
        builder.addEdge(from: Graph.start, to: "assess")
        builder.addConditionalEdge(from: "assess", to: ["server", "project", "repo", "close"]) { state in
            guard state.failure == nil else { return "close" }
            switch state.decision {
            case .reprovisionServer: return "server"
            case .redeployProject: return "project"
            case .restoreRepo: return "repo"
            case .refuse: return "close"
            }
        }
        builder.addEdge(from: "server", to: "verify")
        builder.addEdge(from: "project", to: "verify")
        builder.addEdge(from: "repo", to: "close")
        builder.addEdge(from: "verify", to: "close")
        builder.addEdge(from: "close", to: Graph.end)
        return try builder.compile(maxSteps: 10)
    }

    /// Server: reachable again with the trusted key, then bootstrap and provision, then every project that ran there.
    static func recoverServer(
        _ name: String, _ operations: any RecoveryOperations, _ context: NodeContext
    ) async throws -> Update<RecoveryState> {
        var results: [(String, RecoveryStepResult)] = []
        let check = try await context.effect("check-server") { _ in try await operations.checkServer(name) }
        results.append(("check \(name)", check))
        guard check.succeeded else { return apply(results) }
        for step in ProvisionStep.allCases {
            let result = try await context.effect(step.rawValue) { _ in try await operations.provision(name, step: step) }
            results.append(("\(step.rawValue) \(name)", result))
            guard result.succeeded else { return apply(results) }
        }
        let projects = try await context.effect("projects") { _ in try await operations.projects(on: name) }
        for project in projects {
            let result = try await context.effect("redeploy-\(project)") { _ in try await operations.redeploy(project) }
            results.append(("redeploy \(project)", result))
        }
        if projects.isEmpty { results.append(("redeploy", .done("no project ran on \(name)"))) }
        return apply(results)
    }

    /// Repo: the forge has it again (re-link), else re-create it from Steward's copy, then re-link.
    static func restoreRepo(
        _ project: String, _ operations: any RecoveryOperations, _ context: NodeContext
    ) async throws -> Update<RecoveryState> {
        var results: [(String, RecoveryStepResult)] = []
        var found = try await context.effect("find-repo") { _ in try await operations.findRepo(project) }
        if found == nil {
            let created = try await context.effect("recreate-repo") { _ in try await operations.recreateRepo(project) }
            results.append(("recreate repo", created))
            guard created.succeeded else { return apply(results) }
            found = try await context.effect("find-recreated-repo") { _ in try await operations.findRepo(project) }
            guard found != nil else {
                results.append(("find repo", .failed("the re-created repo is not on the forge")))
                return apply(results)
            }
        }
        let repo = found!
        let linked = try await context.effect("relink") { _ in try await operations.relink(project, to: repo) }
        results.append(("relink \(repo.fullName)", linked))
        return apply(results)
    }

    /// The steps as log lines; the first failure becomes the thread's failure.
    static func apply(_ results: [(String, RecoveryStepResult)]) -> Update<RecoveryState> {
        var update = Update<RecoveryState>()
        for (step, result) in results {
            update.append(\.steps, "\(step): \(result.succeeded ? "ok" : "FAILED"): \(result.detail)")
        }
        if let failed = results.first(where: { !$0.1.succeeded }) {
            update.set(\.failure, "\(failed.0): \(failed.1.detail)")
        }
        return update
    }
}
