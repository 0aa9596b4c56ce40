import Foundation
import Logging
import StewardModel

/// Why a project was not checked for drift (not deployed, a deploy due, its repo unknown right now).
public struct DriftSkip: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

public struct DriftCheckOptions: Sendable {
    /// Only this project; nil checks every project.
    public var project: String?
    /// Beside a controller: takes the projects' keys first (as `ReconcileOptions.takeKeys`); true when one was busy.
    public var takeKeys: (@Sendable ([String]) async throws -> Bool)?

    public init(project: String? = nil) {
        self.project = project
    }
}

public struct DriftCheckReport: Sendable {
    public var revision: ConfigRevision
    /// Each project checked, by name order.
    public var checked: [DriftRecord] = []
    /// Projects not checked, and why, by name.
    public var skipped: [String: String] = [:]
    /// Checks that could not run (secrets unreadable, the forge down for a bundle, ansible-playbook missing).
    public var failures: [String] = []
    public var playbookRuns = 0

    public var drifted: [DriftRecord] { checked.filter { $0.status == .drifted } }
}

extension Reconciler {
    /// `steward drift --check`: every deployed, active project (or one) checked by running its deploy in Ansible check
    /// mode with the inputs it was deployed with, on its server, batched like deploys (one `ansible-playbook` per
    /// `concurrency` projects of Steward's playbook). Suspended projects are checked too (observed, never healed here:
    /// healing is a deploy, which a later pass makes for a drifted project with `selfHeal`).
    public func checkDrift(_ options: DriftCheckOptions = DriftCheckOptions()) async throws -> DriftCheckReport {
        let revision = try await source.update()
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library.playbooks).load(revision)
        if let only = options.project, loaded.project(named: only) == nil {
            throw ConfigSourceError("no project named \(only) in the config repo (\(revision.ref))")
        }
        let candidates = options.project.map { [$0] } ?? loaded.desired.projects.map(\.name)
        if let takeKeys = options.takeKeys { _ = try await takeKeys(candidates.map { "project/\($0)" }) }
        let (observed, _) = try await observe(loaded, only: options.project, includeSuspended: true)
        var report = DriftCheckReport(revision: revision)
        var plans: [DeployPlan] = []
        for name in candidates {
            guard let project = loaded.project(named: name) else { continue }
            switch Planner().runningDeploy(project, desired: loaded.desired, observed: observed) {
            case .success(let plan): plans.append(plan)
            case .failure(let skip): report.skipped[name] = skip.reason
            }
        }
        let limit = max(1, loaded.desired.settings.concurrency)
        var executor = ActionExecutor(reconciler: self, loaded: loaded)
        // A config repo's playbook may expect its server as the inventory host: it runs alone, as its deploys do.
        var batches: [[PreparedDeploy]] = []
        var batchOf: [PlaybookSource: Int] = [:]
        for plan in plans {
            do {
                let check = try await executor.prepareCheck(plan)
                if plan.playbook.origin == .steward, limit > 1, let index = batchOf[plan.playbook], batches[index].count < limit {
                    batches[index].append(check)
                } else {
                    batches.append([check])
                    if plan.playbook.origin == .steward { batchOf[plan.playbook] = batches.count - 1 }
                }
            } catch {
                report.failures.append("Project/\(plan.project): drift check not run: \(error)")
            }
        }
        for batch in batches {
            do {
                report.checked += try await executor.runChecks(batch, forks: limit)
            } catch {
                report.failures += batch.map { "Project/\($0.plan.project): drift check failed: \(error)" }
            }
        }
        report.checked.sort { $0.project < $1.project }
        report.playbookRuns = executor.playbookRuns
        return report
    }

    /// The controller's drift check of one project (`intervals.driftCheck`), with its key held: what it deployed, in
    /// check mode, batched with other keys' checks through `coordinator`. nil when there is nothing to check (not
    /// deployed, a deploy due), which is logged at debug.
    public func checkDrift(_ name: String, loaded: LoadedConfig, coordinator: DeployCoordinator?) async throws -> DriftRecord? {
        guard let project = loaded.project(named: name) else { return nil }
        let (observed, _) = try await observe(loaded, only: name, includeSuspended: true)
        let plan: DeployPlan
        switch Planner().runningDeploy(project, desired: loaded.desired, observed: observed) {
        case .success(let running): plan = running
        case .failure(let skip):
            logger.debug("project/\(name) not checked for drift: \(skip)", metadata: ["project": "\(name)", "action": "drift_check"])
            return nil
        }
        var executor = ActionExecutor(reconciler: self, loaded: loaded)
        let prepared = try await executor.prepareCheck(plan)
        guard let coordinator, loaded.desired.settings.concurrency > 1, plan.playbook.origin == .steward else {
            return try await executor.runChecks([prepared], forks: 1).first
        }
        let outcome = await coordinator.run(prepared, loaded: loaded, check: true)
        if let failure = outcome.failures.first { throw ConfigSourceError(failure) }
        return outcome.drift
    }
}
