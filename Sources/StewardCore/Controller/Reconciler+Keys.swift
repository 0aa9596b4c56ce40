import Foundation
import StewardModel

/// What reconciling one key saw and did.
public struct KeyReport: Sendable {
    public var actions: [Action] = []
    /// Problems executing actions, one line each.
    public var failures: [String] = []
    /// Why the object is still short of its desired state (empty: converged).
    public var pending: [String] = []
    public var playbookRuns = 0

    public init() {}

    /// Whether an action moved the object on, so its next plan may hold more (a registration before its deploy, an
    /// engineering thread that finished): the controller plans the key again at once. Actions that only say why
    /// the object waits do not count, or a waiting project would be planned in a loop.
    public var progressed: Bool {
        actions.contains { action in
            switch action {
            case .stall, .waitForResources, .waitForDependencies, .setupRequired, .awaitRepo: false
            default: true
            }
        }
    }

    /// Whether a deploy repaired a service the health checker declared down (it is checked again at once).
    public var repaired: Bool {
        actions.contains { if case .deploy(let plan) = $0 { plan.isRepair } else { false } }
    }
}

/// The per-key reconcile functions of `steward run` (docs/ARCHITECTURE.md §4): the pass's steps, limited to one
/// object.
extension Reconciler {
    /// Plans and acts for one project against `loaded` (the controller's current config revision). Its deploy goes
    /// through `deploys` when it can share a batch.
    public func reconcileProject(
        _ name: String, loaded: LoadedConfig, deploys: DeployCoordinator?, answer: String? = nil
    ) async throws -> KeyReport {
        let (observed, _) = try await observe(loaded, only: name)
        let manifest = loaded.project(named: name)
        let actions = Planner().plan(project: name, manifest: manifest, desired: loaded.desired, observed: observed)
        var report = KeyReport()
        report.actions = actions
        var executor = ActionExecutor(reconciler: self, loaded: loaded)
        if let answer { executor.answers[name] = answer }
        for action in actions where !action.isDeploy && !action.isEngineer {
            await execute(action, with: &executor)
        }
        for action in actions where action.isEngineer {
            await execute(action, with: &executor)
        }
        let settings = loaded.desired.settings
        let (ready, _) = await adoptingMarkersOfNewLocalServers(actions.filter(\.isDeploy), settings: settings)
        for action in ready {
            guard case .deploy(let plan) = action, let deploys, settings.concurrency > 1, plan.playbook.origin == .steward else {
                await execute(action, with: &executor)
                continue
            }
            let started = ContinuousClock.now
            do {
                if let prepared = try await executor.prepareDeploy(plan) {
                    let outcome = await deploys.run(prepared, loaded: loaded)
                    executor.failures += outcome.failures
                    executor.playbookRuns += outcome.playbookRuns
                }
            } catch {
                recordFailure(of: action, error, in: &executor)
            }
            await logOutcome(action, since: started)
        }
        report.failures = executor.failures
        report.playbookRuns = executor.playbookRuns
        if let manifest {
            let record = report.actions.isEmpty ? observed.projects[name] : try await store.project(named: name)
            report.pending = try await pending(
                manifest, record: record, suspended: observed.suspended.contains("Project/\(name)")).map { [$0] } ?? []
        }
        return report
    }

    /// Plans and acts for the named servers (all declared and recorded ones when nil): registration, spec updates,
    /// a local server's status, and the orphaning or pruning of a server whose manifest is gone.
    public func reconcileServers(_ names: Set<String>?, loaded: LoadedConfig) async throws -> KeyReport {
        var observed = ObservedState()
        for record in try await store.servers() { observed.servers[record.name] = record }
        let actions = Planner().planServers(desired: loaded.desired, observed: observed).filter { action in
            names.map { $0.contains(String(action.key.dropFirst("Server/".count))) } ?? true
        }
        var report = KeyReport()
        report.actions = actions
        var executor = ActionExecutor(reconciler: self, loaded: loaded)
        for action in actions { await execute(action, with: &executor) }
        report.failures = executor.failures
        return report
    }
}
