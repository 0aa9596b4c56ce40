import Foundation
import Logging
import StewardModel

/// Carries out planned actions against the store, the forge and Ansible, one at a time.
struct ActionExecutor {
    let reconciler: Reconciler
    let loaded: LoadedConfig
    var failures: [String] = []
    var playbookRuns = 0
    /// A person's answer for a project's waiting graph thread (`steward answer`), by project.
    var answers: [String: String] = [:]
    /// The records by repo (lowercased `OWNER/NAME`), read once per pass at the first registration: a first
    /// pass registers every project, and one read serves them all.
    private var recordsByRepo: [String: [ProjectRecord]]?

    init(reconciler: Reconciler, loaded: LoadedConfig) {
        self.reconciler = reconciler
        self.loaded = loaded
    }

    var store: any StateStore & SecretStore { reconciler.store }
    var logger: Logger { reconciler.logger }
    func now() -> Date { reconciler.now() }

    mutating func execute(_ action: Action) async throws {
        switch action {
        case .registerServer(let server):
            let record = ServerRecord(
                name: server.name, manifestPath: server.location.file, status: .discovered, generation: 1,
                specHash: server.specHash, spec: server.spec, updatedAt: now())
            try await store.save(server: record, events: [event("Server", server.name, "Registered",
                "registered from \(server.location.file) (\(server.spec.address), \(server.spec.connection.rawValue))")])
        case .updateServer(let server):
            guard var record = try await store.server(named: server.name) else { return }
            let hash = server.specHash
            if record.specHash != hash { record.generation += 1 }
            record.spec = server.spec
            record.specHash = hash
            record.manifestPath = server.location.file
            record.orphaned = false
            record.updatedAt = now()
            try await store.save(server: record, events: [event("Server", server.name, "Updated",
                "spec from \(server.location.file), generation \(record.generation)")])
        case .setServerStatus(let name, let status, let reason):
            guard var record = try await store.server(named: name) else { return }
            let old = record.status
            record.status = status
            record.observedGeneration = record.generation
            record.conditions.set(Condition.ready, status == .ready ? .true : .false, reason: "StatusChanged",
                message: reason, at: now())
            record.updatedAt = now()
            try await store.save(server: record, events: [event("Server", name, "StatusChanged",
                "\(old.rawValue) -> \(status.rawValue): \(reason)")])
        case .orphanServer(let name):
            guard var record = try await store.server(named: name) else { return }
            record.orphaned = true
            record.updatedAt = now()
            try await store.save(server: record, events: [event("Server", name, "ManifestRemoved",
                "manifest removed from the config repo; the record is kept because prune is off", .warning)])
        case .pruneServer(let name):
            try await store.deleteServer(named: name, events: [event("Server", name, "Pruned",
                "manifest removed from the config repo and prune is on: record deleted")])

        case .registerProject(let project):
            let existing = try await store.project(named: project.name)
            var record = existing ?? ProjectRecord(name: project.name, phase: .draft, updatedAt: now())
            apply(project, to: &record)
            record.generation += 1
            var events = [event("Project", project.name, "Registered",
                "registered from \(project.location.file) for repo \(project.spec.repo)")]
            if record.phase == .discovered {
                // A discovered repo adopted by a manifest starts its managed life as a draft.
                record.phase = .draft
                events.append(event("Project", project.name, "PhaseChanged", "discovered -> draft: adopted by a manifest"))
            }
            // One repo, one record: the repo's id comes from whichever record knows it, and a discovered record of
            // the repo under another name (the forge sync saw the repo before any manifest used it) goes.
            if recordsByRepo == nil {
                recordsByRepo = Dictionary(grouping: try await store.projects(withDetails: false).filter { $0.repo != nil }) {
                    $0.repo!.lowercased()
                }
            }
            let repoKey = project.spec.repo.lowercased()
            let others = (recordsByRepo?[repoKey] ?? []).filter { $0.name != project.name }
            if record.githubRepoID == nil, let id = others.lazy.compactMap(\.githubRepoID).first {
                record.githubRepoID = id
                events.append(event("Project", project.name, "RepoLinked", "repo \(project.spec.repo) has id \(id)"))
            }
            try await store.save(project: record, events: events)
            for discovered in others where discovered.phase == .discovered {
                try await store.deleteProject(named: discovered.name, events: [event("Project", discovered.name, "AdoptedElsewhere",
                    "repo \(project.spec.repo) is managed as project \(project.name)")])
            }
            recordsByRepo?[repoKey] = others.filter { $0.phase != .discovered } + [record]
        case .updateProject(let project):
            guard var record = try await store.project(named: project.name) else { return }
            let hash = project.specHash
            let changed = record.specHash != hash
            apply(project, to: &record)
            if changed { record.generation += 1 }
            try await store.save(project: record, events: [event("Project", project.name, changed ? "SpecChanged" : "Updated",
                changed ? "spec changed in \(project.location.file): generation \(record.generation)"
                    : "manifest is back in \(project.location.file)")])
        case .adoptRepo(let name, let repo):
            // A repo Steward did not create is a person's: agents only ever propose changes to it.
            try await transition(name, to: .initialized, "repo found at \(repo.commit.prefix(12))") { record in
                if record.repoOrigin == nil { record.repoOrigin = .adopted }
            }
        case .awaitRepo(let name, let repo):
            guard let record = try await store.project(named: name) else { return }
            let target: ProjectPhase = (try? record.phase.path(to: .provisioning, resumePhase: record.resumePhase)) != nil ? .provisioning : .missing
            try await transition(name, to: target, "repo \(repo) does not exist on the forge",
                type: target == .missing ? .warning : .normal) { record in
                record.conditions.set(Condition.ready, .false, reason: "RepoNotFound",
                    message: "repo \(repo) does not exist on the forge yet", at: self.now())
            }
        case .setupRequired(let name, let missing):
            let message = Planner().setupMessage(missing)
            try await transition(name, to: .setupRequired, message, type: .warning) { record in
                record.conditions.set(Condition.ready, .false, reason: "SecretsMissing", message: message, at: self.now())
            }
        case .waitForResources(let name, let reason):
            try await transition(name, to: .waitingForResources, reason) { record in
                record.conditions.set(Condition.ready, .false, reason: "WaitingForResources", message: reason, at: self.now())
            }
        case .waitForDependencies(let name, let names):
            let message = Action.dependencyMessage(names)
            try await transition(name, to: .waitingForResources, message) { record in
                record.conditions.set(Condition.ready, .false, reason: "DependencyNotReady", message: message, at: self.now())
            }
        case .stall(let name, let reason, let message):
            guard var record = try await store.project(named: name) else { return }
            let alreadyStalled = record.conditions[Condition.stalled]?.message == message
            record.conditions.set(Condition.stalled, .true, reason: reason, message: message, at: now())
            record.conditions.set(Condition.ready, .false, reason: reason, message: message, at: now())
            record.updatedAt = now()
            try await store.save(project: record, events: alreadyStalled ? [] : [event("Project", name, reason, message, .warning)])
        case .deploy(let plan):
            try await deploy(plan)
        case .engineer(let project, let server, let changes):
            try await engineer(project, server: server, changes: changes)
        case .adoptDeploy(let plan, let marker):
            try await adopt(plan, marker)
        case .markActive(let name, let hash):
            guard let record = try await store.project(named: name) else { return }
            // The record alone never makes a project active: its app must answer now.
            if let answering = await answersNow(record), !answering {
                try await transition(name, to: .error, "the last deploy (inputs \(hash.prefix(12))) matches, but its health path "
                    + "does not answer: it is deployed again", type: .warning) { record in
                    record.lastDeployInputHash = nil
                    record.conditions.set(Condition.ready, .false, reason: "NotAnswering",
                        message: "the deployed app does not answer its health path; the next pass deploys it again", at: self.now())
                }
                return
            }
            try await transition(name, to: .active, "last deploy (inputs \(hash.prefix(12))) matches and its health path answers") { record in
                record.observedGeneration = record.generation
                record.conditions.set(Condition.ready, .true, reason: "Deployed", message: "deployed", at: self.now())
            }
        case .orphanProject(let name):
            guard var record = try await store.project(named: name) else { return }
            record.orphaned = true
            record.updatedAt = now()
            try await store.save(project: record, events: [event("Project", name, "ManifestRemoved",
                "manifest removed from the config repo; nothing is deleted because prune is off", .warning)])
        case .pruneProject(let name):
            try await prune(name)
        }
    }

    private func apply(_ project: ProjectManifest, to record: inout ProjectRecord) {
        record.repo = project.spec.repo
        record.manifestPath = project.location.file
        record.spec = project.spec
        record.specHash = project.specHash
        record.orphaned = false
        record.conditions.remove(Condition.stalled)
        record.updatedAt = now()
    }

    func event(
        _ kind: String, _ name: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal
    ) -> EventRecord {
        EventRecord(time: now(), objectKind: kind, objectName: name, type: type, reason: reason, message: message)
    }

    /// Moves a project along the lifecycle (every step validated, every step an event) and saves it with
    /// whatever `update` changes, in one transaction.
    private func transition(
        _ name: String, to target: ProjectPhase, _ message: String, type: EventRecord.EventType = .normal,
        update: (inout ProjectRecord) -> Void = { _ in }
    ) async throws {
        guard var record = try await store.project(named: name) else { return }
        var events: [EventRecord] = []
        for next in try record.phase.path(to: target, resumePhase: record.resumePhase) {
            if next.isInterruption, !record.phase.isInterruption { record.resumePhase = record.phase }
            if record.phase.isInterruption, !next.isInterruption { record.resumePhase = nil }
            events.append(event("Project", name, "PhaseChanged", "\(record.phase.rawValue) -> \(next.rawValue): \(message)", type))
            record.phase = next
        }
        update(&record)
        record.conditions.remove(Condition.stalled)
        record.updatedAt = now()
        try await store.save(project: record, events: events)
    }

    // MARK: - Engineering

    /// Runs or resumes the project's graph thread; a question or a loop limit leaves it waiting with a
    /// condition that says so. Without engineering agents it stalls, as before they existed.
    private mutating func engineer(_ project: ProjectManifest, server: String?, changes: [String]) async throws {
        guard var record = try await store.project(named: project.name) else { return }
        guard let engineering = reconciler.engineering else {
            try await execute(.stall(
                project: project.name, reason: "EngineeringUnavailable",
                message: changes.isEmpty
                    ? "stage \(project.spec.stage.rawValue) or a brief needs the engineering agents, which are not wired here"
                    : "change requests \(changes.joined(separator: ", ")) need the engineering agents, which are not wired here"))
            return
        }
        let effective = record.phase.isInterruption ? record.resumePhase : record.phase
        if !changes.isEmpty, effective == .active {
            // Maintenance (seed 5.1): the deployed version keeps serving while the agents work; the normal deploy
            // replaces it once the change is verified (blue/green without a gap when the project asks for it).
            try await transition(project.name, to: .maintenance,
                "change requests \(changes.joined(separator: ", ")): maintenance (the deployed version keeps serving)")
            record = try await store.project(named: project.name) ?? record
        }
        var answer = answers[project.name]
        if answer == nil, let proposal = record.proposal, let merged = try await mergeOf(proposal, repo: project.spec.repo) {
            answer = merged
        }
        let outcome = try await engineering.advance(EngineeringRequest(
            project: project, generation: record.generation, server: server, settings: loaded.desired.settings,
            answer: answer, implemented: record.implementedChanges, maintenance: record.phase == .maintenance,
            serverPorts: server.flatMap { name in loaded.desired.servers.first { $0.name == name } }
                .map { $0.spec.capacity.ports.lower...$0.spec.capacity.ports.upper }))
        let (reason, message): (String, String)
        switch outcome {
        case .completed, .busy:
            return
        case .waiting(let question):
            (reason, message) = ("WaitingForAnswer", "\(question) (answer with `steward answer \(project.name) \"…\"`)")
        case .blocked(let why):
            (reason, message) = ("EngineeringBlocked", "\(why) (resume with `steward answer \(project.name) \"…\"`)")
        }
        guard var waiting = try await store.project(named: project.name) else { return }
        let known = waiting.conditions[Condition.ready]?.message == message
        waiting.conditions.set(Condition.ready, .false, reason: reason, message: message, at: now())
        waiting.updatedAt = now()
        try await store.save(project: waiting, events: known ? [] : [event("Project", project.name, reason, message, .warning)])
    }

    /// "merged …" when the branch a proposal goes into has moved past the commit it had when the proposal was
    /// made: a person merged it (or changed the branch themselves, which the agents must not overwrite either).
    /// nil while it has not moved, or when the forge cannot be asked now (the next pass asks again).
    private func mergeOf(_ proposal: ChangeProposal, repo: String) async throws -> String? {
        let resolved: ResolvedRepo?
        do {
            resolved = try await reconciler.makeResolver(loaded.desired.settings).resolve(repo: repo, ref: proposal.base)
        } catch {
            logger.warning("cannot see whether the proposal was merged; will ask again", metadata: [
                "repo": "\(repo)", "branch": "\(proposal.base)", "error": "\(error)",
            ])
            return nil
        }
        guard let resolved, resolved.commit != proposal.baseCommit else { return nil }
        return "merged: \(proposal.base) moved to \(resolved.commit.prefix(12))"
    }

    // MARK: - Deploy

    private mutating func deploy(_ plan: DeployPlan) async throws {
        guard let prepared = try await prepareDeploy(plan) else { return }
        try await runDeploys([prepared], forks: 1)
    }

    /// Everything a deploy records before its playbook runs: ports (kept by a retry after a crash), the
    /// `deploying` phase, and its run record (`running`). A deploy whose inputs already ran to success is
    /// finished here (adopted); one whose secrets cannot be read goes to `error`.
    /// - Returns: the deploy ready to run, or nil when there is nothing to run.
    mutating func prepareDeploy(_ plan: DeployPlan) async throws -> PreparedDeploy? {
        guard let record = try await store.project(named: plan.project) else { return nil }
        let range = plan.server.spec.capacity.ports
        if (record.server != nil && record.server != plan.server.name) || plan.releasesPortsElsewhere {
            try await store.releasePorts(project: plan.project)
        }
        // Recorded before the deploy runs, so a crash keeps the same ports for the retry. The public port stays
        // first (its URL does not change when a project moves to blue/green); slots ascend; ports the strategy
        // no longer needs are freed.
        let known = [plan.port ?? (record.server == plan.server.name ? record.port : nil)].compactMap { $0 } + (plan.slotPorts ?? [])
        let ports = try await store.allocatePorts(
            project: plan.project, server: plan.server.name, range: range.lower...range.upper, count: plan.portCount,
            preferred: known)
        let port = ports[0]
        let slotPorts = Array(ports.dropFirst()).sorted()
        let inputs = plan.inputs(port: port, slotPorts: slotPorts)
        let hash = inputs.hash

        // A crash after a successful run but before the project was saved: adopt the run instead of redoing it.
        if !plan.isRepair, let last = try await store.runs(project: plan.project, limit: 1).first, last.kind == "deploy",
            last.status == .succeeded, last.inputHash == hash
        {
            try await finishDeploy(plan, port: port, hash: hash, message: "adopted finished run \(last.id ?? 0)")
            return nil
        }

        // Bundled before anything is recorded: a forge that cannot be reached (a mirror fetch) fails the action
        // with the project untouched, and the next pass tries again.
        let bundle = try await sourceBundle(plan)
        try await transition(plan.project, to: .deploying, plan.reason) { record in
            record.server = plan.server.name
            record.port = port
            record.conditions.set(Condition.reconciling, .true, reason: "Deploying",
                message: "deploying \(plan.repo.commit.prefix(12))", at: self.now())
        }
        let playbook = try await playbookFile(plan)
        let secrets: [String: String]
        do {
            secrets = try await secretValues(plan)
        } catch {
            let why = "\(error)"
            failures.append("Project/\(plan.project): \(why)")
            try await transition(plan.project, to: .error, why, type: .warning) { record in
                record.conditions.set(Condition.ready, .false, reason: "SecretsUnreadable", message: why, at: self.now())
            }
            return nil
        }
        let vars = variables(plan, port: port, slotPorts: slotPorts, hash: hash, secrets: secrets, bundle: bundle)
        var run = RunRecord(
            kind: "deploy", project: plan.project, server: plan.server.name, playbook: plan.playbook.playbook,
            inputHash: hash, commit: plan.repo.commit, startedAt: now(), inputs: inputs.components)
        run.id = try await store.beginRun(run)
        return PreparedDeploy(
            plan: plan, port: port, hash: hash, playbookPath: playbook.path, host: host(for: plan.server), vars: vars,
            secrets: Array(secrets.values), run: run)
    }

    /// Runs prepared deploys of one playbook in one `ansible-playbook` process (see ``DeployBatch``) and records
    /// each project's own outcome: its run record, its phase, a `deploy_failed` incident when it failed. One
    /// project failing or unreachable never fails another. A project whose recording throws is counted as a
    /// failure; the others are still recorded.
    mutating func runDeploys(_ prepared: [PreparedDeploy], forks: Int) async throws {
        guard !prepared.isEmpty else { return }
        let batch = DeployBatch(deploys: prepared)
        let request = batch.request(timeout: .seconds(loaded.desired.settings.playbookTimeout), forks: forks)
        playbookRuns += 1
        let logger = self.logger
        let projects = batch.projectsByHost
        let servers = batch.serversByHost
        let result: PlaybookResult
        do {
            result = try await reconciler.runner.run(request) { task in
                // Values go only into the 0600 files; every log line and stored message is redacted.
                logger.info("\(task.task)", metadata: [
                    "project": "\(projects[task.host] ?? "-")", "host": "\(servers[task.host] ?? task.host)",
                    "status": "\(task.status.rawValue)", "duration_ms": "\(task.durationMs)", "action": "ansible_task",
                ])
            }
        } catch {
            // The process could not start: every run of the batch ends failed, with why.
            for deploy in prepared {
                var run = deploy.run
                run.status = .failed
                run.finishedAt = now()
                try? await store.finishRun(run)
            }
            throw error
        }
        var firstError: (any Error)?
        for deploy in prepared {
            do {
                try await completeDeploy(deploy, batch.result(for: deploy, in: result))
            } catch {
                failures.append("Project/\(deploy.plan.project): recording the deploy failed: \(error)")
                firstError = firstError ?? error
            }
        }
        if prepared.count == 1, let firstError { throw firstError }
    }

    /// Records one project's run and moves the project to `active` or `error`.
    private mutating func completeDeploy(_ deploy: PreparedDeploy, _ result: PlaybookResult) async throws {
        let plan = deploy.plan
        var run = deploy.run
        for task in result.tasks { try await store.appendTask(runID: run.id!, task) }
        run.finish(with: result, at: now())
        try await store.finishRun(run)

        if result.status == .interrupted {
            // Ended by the controller's shutdown (its grace ran out, or a second SIGTERM): not a failure of the app.
            // The project stays `deploying` with its inputs unrecorded, so the next start deploys it again.
            let why = "deploy interrupted by the controller's shutdown; the next start deploys it again"
            failures.append("Project/\(plan.project): \(why)")
            try await transition(plan.project, to: .deploying, why, type: .warning) { record in
                record.conditions.set(Condition.reconciling, .true, reason: "Interrupted", message: why, at: self.now())
            }
            return
        }
        guard result.status == .succeeded else {
            let failedMessage = result.tasks.last(where: { $0.status == .failed || $0.status == .unreachable })?.message
            var why = "deploy \(result.status.rawValue)"
            if let task = result.failedTask { why += ": task \"\(task)\" on \(result.failedHost ?? "?")" }
            if let failedMessage { why += ": \(failedMessage)" } else if !result.stderrTail.isEmpty { why += ": \(result.stderrTail)" }
            failures.append("Project/\(plan.project): \(why)")
            try await transition(plan.project, to: .error, why, type: .warning) { record in
                // What runs is no longer known to be the last success (a recreate deploy stopped it): no later
                // pass may call it active because its inputs match that success again (a reverted manifest).
                record.lastDeployInputHash = nil
                record.conditions.set(Condition.ready, .false, reason: "DeployFailed", message: why, at: self.now())
                record.conditions.set(Condition.reconciling, .false, reason: "DeployFailed", message: why, at: self.now())
            }
            let kept = plan.spec.deploy.strategy == .blueGreen ? " (blue/green: the previous version keeps serving)" : ""
            _ = try await reconciler.store.openIncident(
                IncidentRecord(kind: .deployFailed, severity: .warning, objectKind: "Project", objectName: plan.project,
                    message: why + kept, openedAt: now()),
                events: [event("Project", plan.project, "IncidentOpened", "deploy_failed: \(why)\(kept)", .warning)])
            return
        }
        try await finishDeploy(plan, port: deploy.port, hash: deploy.hash,
            message: "deployed \(plan.repo.commit.prefix(12)) to \(plan.server.name):\(deploy.port)")
    }

    /// Records the deploy a server reports (its marker) as this project's last success, holding the same ports.
    /// When those ports are no longer free here, deploys instead.
    private mutating func adopt(_ plan: DeployPlan, _ marker: DeployMarker) async throws {
        let range = plan.server.spec.capacity.ports
        let wanted = [marker.port] + (plan.slotPorts ?? [])
        let ports = try await store.allocatePorts(
            project: plan.project, server: plan.server.name, range: min(range.lower, wanted.min()!)...max(range.upper, wanted.max()!),
            count: wanted.count, preferred: wanted)
        guard ports == wanted else {
            logger.warning("cannot adopt the deploy on \(plan.server.name): its ports are taken here; deploying", metadata: [
                "project": "\(plan.project)", "wanted": "\(wanted)", "got": "\(ports)",
            ])
            try await deploy(plan)
            return
        }
        // A marker says what was deployed, not what runs: only a live answer on its port makes it adoptable.
        if let url = HealthChecker.url(address: plan.server.spec.address, port: marker.port, healthPath: plan.spec.deploy.healthPath),
            let checker = try? reconciler.makeHealthChecker(loaded.desired.settings), await !checker.answersNow(url)
        {
            logger.warning("the deploy \(plan.server.name) reports does not answer its health path; deploying", metadata: [
                "project": "\(plan.project)", "url": "\(url.absoluteString)",
            ])
            try await deploy(plan)
            return
        }
        let hash = plan.inputs(port: marker.port, slotPorts: plan.slotPorts ?? []).hash
        try await transition(plan.project, to: .active, "adopted the deploy \(plan.server.name) reports") { record in
            record.server = plan.server.name
            record.port = marker.port
        }
        try await finishDeploy(plan, port: marker.port, hash: hash,
            message: "adopted \(marker.commit.prefix(12)) running on \(plan.server.name):\(marker.port) (deploy marker from "
                + "\(marker.time.isEmpty ? "an earlier run" : marker.time)); no playbook run")
    }

    /// Whether the project's deployed app answers its health path now; nil when it cannot be asked here (no
    /// health checker wired, no server or port recorded).
    private func answersNow(_ record: ProjectRecord) async -> Bool? {
        guard let checker = try? reconciler.makeHealthChecker(loaded.desired.settings), let serverName = record.server,
            let port = record.port, let server = loaded.desired.servers.first(where: { $0.name == serverName }),
            let url = HealthChecker.url(
                address: server.spec.address, port: port, healthPath: record.spec?.deploy.healthPath ?? ProjectSpec.Deploy().healthPath)
        else { return nil }
        return await checker.answersNow(url)
    }

    private func finishDeploy(_ plan: DeployPlan, port: Int, hash: String, message: String) async throws {
        _ = try await reconciler.store.updateOpenIncident(
            kind: .deployFailed, objectKind: "Project", objectName: plan.project, status: .resolved,
            message: "resolved: \(message)", at: now(), events: [])
        try await transition(plan.project, to: .active, message) { record in
            record.server = plan.server.name
            record.port = port
            record.lastDeployInputHash = hash
            record.lastDeployCommit = plan.repo.commit
            record.lastDeployedAt = self.now()
            record.observedGeneration = record.generation
            record.conditions.set(Condition.ready, .true, reason: "Deployed", message: message, at: self.now())
            record.conditions.set(Condition.reconciling, .false, reason: "Deployed", message: message, at: self.now())
        }
        try await store.append(events: [event("Project", plan.project, "DeploySucceeded", message)])
    }

    /// The git bundle a server checks the commit out of, when it gets one: a server over SSH never gets forge access;
    /// a repo on a remote forge (GitHub) is always bundled, so no server needs its credentials.
    func sourceBundle(_ plan: DeployPlan) async throws -> URL? {
        guard plan.server.spec.connection == .ssh || !plan.repo.cloneURL.hasPrefix("file://"), let bundler = reconciler.bundler else {
            return nil
        }
        return try await bundler.bundle(plan.repo)
    }

    /// The playbook file the deploy runs (a config repo's playbooks are checked out into the state dir's cache).
    func playbookFile(_ plan: DeployPlan) async throws -> URL {
        try await reconciler.library.path(
            of: plan.playbook, entries: loaded.entries, config: reconciler.source,
            cache: reconciler.stateDirectory.appendingPathComponent("playbooks", isDirectory: true))
    }

    /// The playbook's variables for one project: its inputs, `env_content` with the secrets filled in, the bundle.
    func variables(
        _ plan: DeployPlan, port: Int, slotPorts: [Int], hash: String, secrets: [String: String], bundle: URL?
    ) -> [String: JSONValue] {
        var vars = extraVars(plan, port: port, slotPorts: slotPorts, hash: hash)
        vars["env_content"] = .string(EnvFile.render(plan.spec.env ?? "", secrets: secrets))
        if let bundle, case .object(var info) = vars["repo_info"] {
            // The server checks the commit out of a bundle sent over SSH: it needs no access to the forge.
            info["bundle"] = .string(bundle.path)
            vars["repo_info"] = .object(info)
        }
        return vars
    }

    /// The decrypted values of the secrets the project's env references.
    func secretValues(_ plan: DeployPlan) async throws -> [String: String] {
        let names = plan.spec.secretReferences
        guard !names.isEmpty else { return [:] }
        let cipher = try reconciler.makeCipher()
        try await SecretKeyCheck.verify(cipher, store: store, at: now())
        var values: [String: String] = [:]
        for name in names {
            guard let record = try await store.secret(project: plan.project, name: name) else {
                throw ConfigSourceError("secret \(name) of project \(plan.project) was removed during the pass")
            }
            let plain = try cipher.open(record.sealed, context: "\(plan.project)/\(name)")
            values[name] = String(decoding: plain, as: UTF8.self)
        }
        return values
    }

    func host(for server: ServerManifest) -> InventoryHost {
        ServerAccess(ssh: loaded.desired.settings.ssh, stateDirectory: reconciler.stateDirectory)
            .host(for: server, purpose: .deploy)
    }

    private func extraVars(_ plan: DeployPlan, port: Int, slotPorts: [Int], hash: String) -> [String: JSONValue] {
        var vars: [String: JSONValue] = [
            "project_name": .string(plan.project),
            "repo_info": .object(["clone_url": .string(plan.repo.cloneURL), "commit": .string(plan.repo.commit),
                "repo": .string(plan.spec.repo)]),
            "server_info": .object(["name": .string(plan.server.name), "address": .string(plan.server.spec.address),
                "port": .int(port)]),
            "app_port": .int(port),
            "health_path": .string(plan.spec.deploy.healthPath),
            "app_command": .string(plan.spec.deploy.command ?? ""),
            "env_content": .string(plan.spec.env ?? ""),
            "deploy_strategy": .string(plan.spec.deploy.strategy.rawValue),
            "input_hash": .string(hash),
        ]
        if slotPorts.count == 2 { vars["slot_ports"] = .object(["blue": .int(slotPorts[0]), "green": .int(slotPorts[1])]) }
        return vars
    }

    /// Runs a playbook recorded before (`running`) and after (status, tasks, failed task), streaming each task
    /// as a log line.
    private mutating func recordedRun(_ record: RunRecord, _ request: PlaybookRequest) async throws -> PlaybookResult {
        var run = record
        run.id = try await store.beginRun(run)
        playbookRuns += 1
        let logger = self.logger
        let project = run.project ?? "-"
        let result = try await reconciler.runner.run(request) { task in
            logger.info("\(task.task)", metadata: [
                "project": "\(project)", "host": "\(task.host)", "status": "\(task.status.rawValue)",
                "duration_ms": "\(task.durationMs)", "action": "ansible_task",
            ])
        }
        for task in result.tasks { try await store.appendTask(runID: run.id!, task) }
        run.finish(with: result, at: now())
        try await store.finishRun(run)
        return result
    }

    // MARK: - Prune

    private mutating func prune(_ name: String) async throws {
        guard let record = try await store.project(named: name) else { return }
        if record.lastDeployCommit != nil, let serverName = record.server,
            let server = loaded.desired.servers.first(where: { $0.name == serverName }),
            reconciler.library.playbooks.contains("remove_project.yml")
        {
            let request = PlaybookRequest(
                playbook: reconciler.library.directory.appendingPathComponent("remove_project.yml").path,
                hosts: [host(for: server)], extraVars: ["project_name": .string(name)],
                timeout: .seconds(loaded.desired.settings.playbookTimeout))
            let result = try await recordedRun(RunRecord(
                kind: "remove", project: name, server: serverName, playbook: "remove_project.yml", inputHash: "",
                startedAt: now()), request)
            guard result.status == .succeeded else {
                failures.append("Project/\(name): removing the app failed: \(result.failedTask ?? result.stderrTail)")
                return
            }
        }
        try await store.deleteProject(named: name, events: [event("Project", name, "Pruned",
            "manifest removed from the config repo and prune is on: app removed, ports freed, record deleted")])
    }
}
