import Foundation
import Logging
import StewardModel

/// Drift checks (docs/ARCHITECTURE.md §11): a project's deploy run in Ansible check mode with exactly the inputs it was
/// deployed with, batched like deploys; each project's changed tasks become its `DriftRecord`.
extension ActionExecutor {
    /// A check of what `plan` deployed (`Planner.runningDeploy`): its variables with secrets and bundle, and its run
    /// record (kind `drift`) begun. Nothing else is written: no port, no phase.
    mutating func prepareCheck(_ plan: DeployPlan) async throws -> PreparedDeploy {
        guard let port = plan.port else { throw ConfigSourceError("project \(plan.project) holds no port: nothing deployed to check") }
        let slotPorts = plan.slotPorts ?? []
        let hash = plan.inputs(port: port, slotPorts: slotPorts).hash
        let bundle = try await sourceBundle(plan)
        let playbook = try await playbookFile(plan)
        let secrets = try await secretValues(plan)
        var run = RunRecord(
            kind: "drift", project: plan.project, server: plan.server.name, playbook: plan.playbook.playbook,
            inputHash: hash, commit: plan.repo.commit, startedAt: now())
        run.id = try await store.beginRun(run)
        return PreparedDeploy(
            plan: plan, port: port, hash: hash, playbookPath: playbook.path, host: host(for: plan.server),
            vars: variables(plan, port: port, slotPorts: slotPorts, hash: hash, secrets: secrets, bundle: bundle),
            secrets: Array(secrets.values), run: run)
    }

    /// Runs prepared checks of one playbook in one `ansible-playbook --check --diff` and records each project's
    /// `DriftRecord` (its `Drifted` condition, an event when it changes, a journal line).
    /// - Returns: the records, in the order of `prepared`.
    mutating func runChecks(_ prepared: [PreparedDeploy], forks: Int) async throws -> [DriftRecord] {
        guard !prepared.isEmpty else { return [] }
        let batch = DeployBatch(deploys: prepared)
        let request = batch.request(timeout: .seconds(loaded.desired.settings.playbookTimeout), forks: forks, checkMode: true)
        playbookRuns += 1
        let logger = self.logger
        let projects = batch.projectsByHost
        let servers = batch.serversByHost
        let result: PlaybookResult
        do {
            result = try await reconciler.runner.run(request) { task in
                // A check runs every task of the deploy: only what would change is worth a line at info.
                logger.log(level: task.changed ? .info : .debug, "\(task.task)", metadata: [
                    "project": "\(projects[task.host] ?? "-")", "host": "\(servers[task.host] ?? task.host)",
                    "status": "\(task.changed ? "would_change" : task.status.rawValue)", "duration_ms": "\(task.durationMs)",
                    "action": "drift_task",
                ])
            }
        } catch {
            for deploy in prepared {
                var run = deploy.run
                run.status = .failed
                run.finishedAt = now()
                try? await store.finishRun(run)
            }
            throw error
        }
        var records: [DriftRecord] = []
        for deploy in prepared {
            let own = batch.result(for: deploy, in: result)
            var run = deploy.run
            for task in own.tasks { try await store.appendTask(runID: run.id!, task) }
            run.finish(with: own, at: now())
            try await store.finishRun(run)
            records.append(try await recordCheck(deploy, own, runID: run.id))
        }
        return records
    }

    private func recordCheck(_ deploy: PreparedDeploy, _ result: PlaybookResult, runID: Int64?) async throws -> DriftRecord {
        let name = deploy.plan.project
        let changed = result.tasks.filter(\.changed)
        let status: DriftRecord.Status
        let message: String
        if result.status != .succeeded {
            status = .failed
            var why = "drift check \(result.status.rawValue)"
            if let task = result.failedTask { why += ": task \"\(task)\" on \(result.failedHost ?? "?")" }
            let failedMessage = result.tasks.last(where: { $0.status == .failed || $0.status == .unreachable })?.message
            if let failedMessage { why += ": \(failedMessage)" } else if !result.stderrTail.isEmpty { why += ": \(result.stderrTail)" }
            message = why
        } else if changed.isEmpty {
            status = .inSync
            message = "nothing would change"
        } else {
            status = .drifted
            message = DriftRecord.summary(of: changed)
        }
        let drift = DriftRecord(
            project: name, status: status, checkedAt: now(), commit: deploy.plan.repo.commit, inputHash: deploy.hash,
            runID: runID, tasks: changed, message: message)
        let previous = try await store.drift(project: name)
        var events: [EventRecord] = []
        switch status {
        case .drifted where previous?.status != .drifted || previous?.tasks.map(\.task) != changed.map(\.task):
            events.append(event("Project", name, "DriftDetected", "\(message) on \(deploy.plan.server.name)", .warning))
        case .inSync where previous?.status == .drifted:
            events.append(event("Project", name, "DriftResolved", "the server matches the last deploy again"))
        case .failed where previous?.status != .failed:
            events.append(event("Project", name, "DriftCheckFailed", message, .warning))
        default:
            break
        }
        try await store.record(drift: drift, events: events)
        let metadata: Logger.Metadata = [
            "project": "\(name)", "server": "\(deploy.plan.server.name)", "action": "drift_check", "result": "\(status.rawValue)",
        ]
        switch status {
        case .drifted: logger.warning("project/\(name) drifted: \(message)", metadata: metadata)
        case .inSync: logger.info("project/\(name) matches its last deploy", metadata: metadata)
        case .failed: logger.warning("project/\(name): \(message)", metadata: metadata)
        }
        return drift
    }
}
