import StewardModel

/// Decides what to do: a pure function of desired and observed state. No I/O, no clock.
public struct Planner: Sendable {
    public init() {}

    /// The actions that close the gap: the servers' plan, then each project's own plan in manifest order (path,
    /// then position in the file), then those of recorded projects whose manifest is gone, in name order. A whole
    /// pass (`reconcile --once`) is built from the same per-key functions as `steward run` (`planServers`,
    /// `plan(project:)`); only the placement is shared, so projects placed in one pass get distinct ports.
    /// - Parameter only: when set, project actions are limited to that project (servers are always planned).
    /// - Parameter worldUnchanged: the previous complete pass observed the same repos, servers, playbooks and
    ///   settings (same world digest). Then an active project whose manifest and record are unchanged is
    ///   skipped without recomputing its deploy hash: that pass already found it converged or deployed it.
    public func plan(
        desired: DesiredState, observed: ObservedState, only: String? = nil, worldUnchanged: Bool = false
    ) -> [Action] {
        var actions = planServers(desired: desired, observed: observed)
        let desiredProjects = Set(desired.projects.map(\.name))
        let desiredServers = Self.serversByName(desired)
        var placement = Placement(desired: desired, observed: observed)
        for project in desired.projects where only == nil || only == project.name {
            if worldUnchanged, let record = observed.projects[project.name], record.phase == .active, !record.orphaned,
                record.specHash == project.specHash, record.manifestPath == project.location.file,
                !observed.serviceDown.contains(project.name), !observed.drifted.contains(project.name),
                EngineeringStage.pendingChanges(project.spec, implemented: record.implementedChanges).isEmpty
            {
                continue
            }
            actions += plan(
                project: project.name, manifest: project, desired: desired, observed: observed,
                desiredServers: desiredServers, placement: &placement)
        }
        for name in observed.projects.keys.sorted() where !desiredProjects.contains(name) && (only == nil || only == name) {
            actions += plan(
                project: name, manifest: nil, desired: desired, observed: observed, desiredServers: desiredServers,
                placement: &placement)
        }
        return actions
    }

    /// The servers' actions (the `servers` and `server/NAME` keys): registrations, spec updates, a local server's
    /// status, and the orphaning or pruning of servers whose manifest is gone, in manifest order then name order.
    public func planServers(desired: DesiredState, observed: ObservedState) -> [Action] {
        var actions: [Action] = []
        let desiredServers = Set(desired.servers.map(\.name))
        for server in desired.servers {
            actions += planServer(server, record: observed.servers[server.name])
        }
        for name in observed.servers.keys.sorted() where !desiredServers.contains(name) {
            guard let record = observed.servers[name], !isDeclaredInBrokenFile(record.manifestPath, desired) else { continue }
            if desired.settings.prune {
                actions.append(.pruneServer(name: name))
            } else if !record.orphaned {
                actions.append(.orphanServer(name: name))
            }
        }
        return actions
    }

    /// The actions for one project (`steward run`'s per-key reconcile): what `plan(only: name)` returns for it, without
    /// looking at the other projects unless placement needs their usage.
    /// - Parameter manifest: its valid manifest in `desired`; nil when it has none (removed, or in a broken file).
    public func plan(project name: String, manifest: ProjectManifest?, desired: DesiredState, observed: ObservedState) -> [Action] {
        var placement = Placement(desired: desired, observed: observed)
        return plan(
            project: name, manifest: manifest, desired: desired, observed: observed,
            desiredServers: Self.serversByName(desired), placement: &placement)
    }

    private static func serversByName(_ desired: DesiredState) -> [String: ServerManifest] {
        Dictionary(desired.servers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func plan(
        project name: String, manifest: ProjectManifest?, desired: DesiredState, observed: ObservedState,
        desiredServers: [String: ServerManifest], placement: inout Placement
    ) -> [Action] {
        guard let manifest else {
            guard let record = observed.projects[name], record.manifestPath != nil, record.phase != .discovered,
                !isDeclaredInBrokenFile(record.manifestPath, desired)
            else { return [] }
            if desired.settings.prune { return [.pruneProject(name: name)] }
            return record.orphaned ? [] : [.orphanProject(name: name)]
        }
        return planProject(manifest, desired: desired, desiredServers: desiredServers, observed: observed, placement: &placement)
    }

    /// A manifest whose file now has errors is not taken for removed: nothing is pruned on a typo.
    private func isDeclaredInBrokenFile(_ path: String?, _ desired: DesiredState) -> Bool {
        guard let path else { return false }
        return desired.brokenFiles.contains(path)
    }

    private func planServer(_ server: ServerManifest, record: ServerRecord?) -> [Action] {
        var actions: [Action] = []
        if record == nil {
            actions.append(.registerServer(server))
        } else if record?.specHash != server.specHash || record?.manifestPath != server.location.file
            || record?.orphaned == true
        {
            actions.append(.updateServer(server))
        }
        // A local server is the machine Steward runs on: ready without SSH or provisioning. SSH servers get their
        // status from server_sync and provisioning (ServerLifecycle), never from the planner.
        if server.spec.connection == .local, record?.status != .ready {
            actions.append(.setServerStatus(name: server.name, status: .ready, reason: "local connection"))
        }
        return actions
    }

    private func planProject(
        _ project: ProjectManifest, desired: DesiredState, desiredServers: [String: ServerManifest], observed: ObservedState,
        placement: inout Placement
    ) -> [Action] {
        var actions: [Action] = []
        let name = project.name
        let record = observed.projects[name]
        let spec = project.spec
        if record == nil || record?.phase == .discovered {
            actions.append(.registerProject(project))
        } else if record?.specHash != project.specHash || record?.manifestPath != project.location.file
            || record?.orphaned == true
        {
            actions.append(.updateProject(project))
        }
        // Suspended (the manifest's spec.suspend, or `steward suspend`): recorded and observed, nothing else.
        if spec.suspend || observed.suspended.contains("Project/\(name)") { return actions }

        let available = observed.secrets[name] ?? [:]
        let references = spec.secretReferences
        let missing = references.filter { available[$0] == nil }
        if !missing.isEmpty {
            // Repeated every pass while secrets are missing: the project is not converged. Executing it again
            // changes nothing and records no new event.
            return actions + [.setupRequired(project: name, missingSecrets: missing)]
        }

        let phase = EngineeringStage.plannedPhase(of: record)
        let implemented = record?.implementedChanges ?? []
        let deployed = record?.lastDeployCommit != nil
        // A proposal waiting for a person keeps the thread going (it resumes on the merge), whatever the phase.
        if record?.proposal != nil || (EngineeringStage.needsEngineering(
            spec, phase: phase, resumePhase: record?.resumePhase, implemented: implemented, deployed: deployed)
            && !Self.deploysAsIs(project, record: record, observed: observed))
        {
            // The graph owns the repo (the Architect creates it) and the phases up to the stage; deploys stay here.
            var server = spec.server
            if spec.stage == .active, server == nil,
                case .success(let placed) = placement.place(project, current: record?.server ?? observed.ports[name]?.server)
            {
                server = placed
            }
            // Maintenance: the change requests the running version lacks (it keeps serving until the redeploy).
            let maintenance = EngineeringStage.needsMaintenance(
                spec, phase: phase, resumePhase: record?.resumePhase, implemented: implemented, deployed: deployed)
            let changes = maintenance ? EngineeringStage.pendingChanges(spec, implemented: implemented).map(\.id) : []
            return actions + [.engineer(project, server: spec.stage == .active ? server : nil, changes: changes)]
        }
        let repo: ResolvedRepo
        switch observed.repos[name] {
        case .found(let resolved)?:
            repo = resolved
            switch phase {
            case .draft, .estimated, .provisioning, .discovered, .missing:
                actions.append(.adoptRepo(project: name, repo: resolved))
            default:
                if record == nil { actions.append(.adoptRepo(project: name, repo: resolved)) }
            }
        case .missing?:
            if phase != .provisioning { actions.append(.awaitRepo(project: name, repo: spec.repo)) }
            return actions
        case .unavailable?, nil:
            // A transient forge problem changes nothing; the next reconcile asks again.
            return actions
        }

        // An earlier stage that the engineering graph has reached: nothing to deploy.
        guard spec.stage == .active else { return actions }
        // Waiting is planned again every pass (the project is not converged); executing it again records nothing new.
        let serverName: String
        if let chosen = spec.server {
            serverName = chosen
        } else {
            switch placement.place(project, current: record?.server ?? observed.ports[name]?.server) {
            case .success(let placed): serverName = placed
            case .failure(let failure): return actions + [.waitForResources(project: name, reason: failure.message)]
            }
        }
        guard let server = desiredServers[serverName] else {
            return actions + [.waitForResources(project: name, reason: "server \(serverName) has no valid manifest")]
        }
        if observed.suspended.contains("Server/\(serverName)") {
            return actions + [.waitForResources(project: name, reason: "server \(serverName) is suspended (steward resume server \(serverName))")]
        }
        let serverReady = observed.servers[serverName]?.status == .ready || server.spec.connection == .local
        guard serverReady else {
            let status = observed.servers[serverName]?.status.rawValue ?? "unregistered"
            return actions + [.waitForResources(project: name, reason: "server \(serverName) is \(status), not ready")]
        }
        guard let playbook = observed.playbooks[spec.deploy.playbook] else {
            return actions + [.stall(
                project: name, reason: "PlaybookNotFound", message: "playbook \(spec.deploy.playbook) was not found")]
        }

        let serverInputs = DeployInputs.serverInputs(
            specHash: server.specHash, connection: server.spec.connection, facts: observed.servers[serverName]?.facts)
        let samePort = record?.server == serverName ? record?.port : nil
        let slotPorts = knownSlotPorts(spec, port: samePort, held: observed.ports[name], server: serverName)
        if let record, var repair = sameInputs(
            project, record: record, server: server, repo: repo, playbook: playbook, serverInputs: serverInputs,
            available: available, slotPorts: slotPorts)
        {
            let forced = observed.forceDeploy.contains(name)
            if record.phase != .active { actions.append(.markActive(project: name, inputHash: record.lastDeployInputHash!)) }
            let active = record.phase == .active
            let healing = active && observed.drifted.contains(name) && (spec.selfHeal ?? desired.settings.selfHeal ?? false)
            guard forced || (active && observed.serviceDown.contains(name)) || healing else { return actions }
            // Level-triggered repair: the same inputs again; the playbook restarts an instance that is not healthy and
            // writes back what someone changed on the server.
            repair.reason = forced ? "recovery: forced redeploy" : observed.serviceDown.contains(name) ? "service down: repair"
                : "drifted: self-heal (the server no longer matches the last deploy)"
            repair.isRepair = true
            return actions + [.deploy(repair)]
        }
        var plan = DeployPlan(
            project: name, server: server, repo: repo, port: samePort, spec: spec, specHash: project.specHash,
            slotPorts: slotPorts, secretVersions: DeployInputs.secretVersions(references, available), playbook: playbook,
            reason: deployReason(record: record, repo: repo, serverName: serverName), serverInputs: serverInputs)
        if record?.lastDeployInputHash == nil, !observed.forceDeploy.contains(name),
            let marker = observed.servers[serverName]?.deployMarkers[name], let adopted = plan.adopting(marker)
        {
            // Nothing recorded here, but the server says what runs there: when it is exactly this deploy, adopt it.
            return actions + [.adoptDeploy(adopted, marker)]
        }
        // spec.dependsOn: each must be Ready at its current generation first (a repair of what runs never waits).
        let waitingFor = (spec.dependsOn ?? []).filter { dependency in
            !Self.isReady(observed.projects[dependency], manifest: desired.projects.first { $0.name == dependency })
        }
        if !waitingFor.isEmpty { return actions + [.waitForDependencies(project: name, waitingFor: waitingFor)] }
        // Forced by recovery: a finished run with these inputs is not adopted in place of running again.
        plan.isRepair = observed.forceDeploy.contains(name)
        if record?.server == nil, let held = observed.ports[name], held.server != serverName { plan.releasesPortsElsewhere = true }
        actions.append(.deploy(plan))
        return actions
    }

    /// The deploy of exactly what `record` last deployed, when its inputs are still those (the project is converged on
    /// `server`); nil when anything changed (a deploy is due) or it was never deployed there.
    private func sameInputs(
        _ project: ProjectManifest, record: ProjectRecord, server: ServerManifest, repo: ResolvedRepo, playbook: PlaybookSource,
        serverInputs: String, available: [String: Int], slotPorts: [Int]?
    ) -> DeployPlan? {
        guard record.server == server.name, let port = record.port, let slotPorts, let last = record.lastDeployInputHash else { return nil }
        let versions = DeployInputs.secretVersions(project.spec.secretReferences, available)
        let hash = DeployInputs.hash(
            playbook: playbook, cloneURL: repo.cloneURL, commit: repo.commit, server: server.name, serverSpecHash: serverInputs,
            port: port, projectSpecHash: project.specHash, secretVersions: versions, slotPorts: slotPorts)
        guard hash == last else { return nil }
        return DeployPlan(
            project: project.name, server: server, repo: repo, port: port, spec: project.spec, specHash: project.specHash,
            slotPorts: slotPorts, secretVersions: versions, playbook: playbook, reason: "same inputs", serverInputs: serverInputs)
    }

    /// What a drift check runs for `project`: the deploy of exactly what runs (its last deploy's inputs), or why there
    /// is nothing to check (not deployed, not active, a deploy pending, its repo or server unknown right now).
    public func runningDeploy(_ project: ProjectManifest, desired: DesiredState, observed: ObservedState) -> Result<DeployPlan, DriftSkip> {
        let name = project.name
        guard let record = observed.projects[name], record.lastDeployInputHash != nil, let serverName = record.server else {
            return .failure(DriftSkip("not deployed yet"))
        }
        guard record.phase == .active else { return .failure(DriftSkip("\(record.phase.rawValue), not active")) }
        guard case .found(let repo)? = observed.repos[name] else {
            return .failure(DriftSkip("its repo \(project.spec.repo) could not be resolved this time"))
        }
        guard let server = desired.servers.first(where: { $0.name == serverName }) else {
            return .failure(DriftSkip("server \(serverName) has no valid manifest"))
        }
        guard let playbook = observed.playbooks[project.spec.deploy.playbook] else {
            return .failure(DriftSkip("playbook \(project.spec.deploy.playbook) was not found"))
        }
        let serverInputs = DeployInputs.serverInputs(
            specHash: server.specHash, connection: server.spec.connection, facts: observed.servers[serverName]?.facts)
        let slotPorts = knownSlotPorts(project.spec, port: record.port, held: observed.ports[name], server: serverName)
        guard var plan = sameInputs(
            project, record: record, server: server, repo: repo, playbook: playbook, serverInputs: serverInputs,
            available: observed.secrets[name] ?? [:], slotPorts: slotPorts)
        else {
            return .failure(DriftSkip("its inputs changed since the last deploy: a deploy is due (steward diff --project \(name))"))
        }
        plan.reason = "drift check"
        return .success(plan)
    }

    /// Ready at its current generation, as `spec.dependsOn` means it: active, its manifest's spec applied and observed,
    /// deployed. (A failed deploy leaves `active`; a suspended dependency that runs still counts.)
    static func isReady(_ record: ProjectRecord?, manifest: ProjectManifest?) -> Bool {
        guard let record, let manifest else { return false }
        return record.phase == .active && record.specHash == manifest.specHash && record.observedGeneration == record.generation
            && record.lastDeployCommit != nil
    }

    /// Whether an active-stage project whose repo Steward did not create, and which already holds an app the
    /// deploy can start, is deployed as it is instead of going to the agents (its brief is documentation). Its
    /// change requests, once it runs, still go to the agents, who only ever propose them on a branch.
    static func deploysAsIs(_ project: ProjectManifest, record: ProjectRecord?, observed: ObservedState) -> Bool {
        project.spec.stage == .active && record?.repoOrigin != .created && observed.runnable.contains(project.name)
            && record?.lastDeployCommit == nil
    }

    /// The slot ports a blue/green project already holds on `server` besides its public `port` (ascending);
    /// `[]` for recreate; nil when they are not all allocated yet.
    private func knownSlotPorts(_ spec: ProjectSpec, port: Int?, held: PortAllocation?, server: String) -> [Int]? {
        guard spec.deploy.strategy == .blueGreen else { return [] }
        guard let port, let held, held.server == server else { return nil }
        let slots = held.ports.filter { $0 != port }
        return slots.count == 2 ? slots : nil
    }

    /// The Ready condition message a setup_required project carries.
    public func setupMessage(_ missing: [String]) -> String {
        "missing secrets: \(missing.joined(separator: ", ")) (set them with `steward secret set PROJECT NAME`)"
    }

    private func deployReason(record: ProjectRecord?, repo: ResolvedRepo, serverName: String) -> String {
        guard let record, let lastCommit = record.lastDeployCommit else { return "first deploy" }
        if record.phase == .error { return "retry after failure" }
        if record.server != serverName { return "server \(record.server ?? "none") -> \(serverName)" }
        if lastCommit != repo.commit { return "commit \(lastCommit.prefix(7)) -> \(repo.commit.prefix(7))" }
        return "inputs changed"
    }
}
