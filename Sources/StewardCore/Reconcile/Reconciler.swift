import Foundation
import Logging
import StewardModel

/// Options of one reconcile pass.
public struct ReconcileOptions: Sendable {
    /// Plan only: no store writes, no playbooks.
    public var dryRun: Bool
    /// Limit project work to one project.
    public var project: String?
    /// A person's answer for `project`'s waiting graph thread (`steward answer`).
    public var answer: String?
    /// Redeploy `project` even when its inputs are unchanged (the Recovery agent's `steward fix`).
    public var forceDeploy = false
    /// Whether no controller runs beside this pass: it then takes runs left `running` for interrupted, and runs forge
    /// sync, server sync and the health round itself (a running controller does those).
    public var alone = true
    /// Takes the leases of the keys (`project/NAME`, `server/NAME`) the pass is about to act on, waiting for busy
    /// ones, and returns whether it waited (the pass then plans again); nil takes none.
    public var takeKeys: (@Sendable ([String]) async throws -> Bool)?

    public init(dryRun: Bool = false, project: String? = nil, answer: String? = nil, forceDeploy: Bool = false) {
        self.dryRun = dryRun
        self.project = project
        self.answer = answer
        self.forceDeploy = forceDeploy
    }
}

/// What one reconcile pass saw and did.
public struct ReconcileReport: Sendable {
    /// How the pass ended; the CLI maps it to exit codes 0, 2 and 1.
    public enum Outcome: String, Sendable {
        case converged
        case progressing
        case failed
    }

    public var revision: ConfigRevision
    public var diagnostics: [Diagnostic]
    public var actions: [Action]
    /// Problems executing actions (a failed deploy, a store error), one line each.
    public var failures: [String]
    /// Objects still short of their desired state, with why: projects, declared servers that are not ready,
    /// open critical incidents (a whole pass only).
    public var pending: [String]
    public var playbookRuns: Int
    public var parsedFiles: Int
    public var cachedFiles: Int
    /// Where the pass spent its time.
    public var timings: ReconcileTimings
    /// `intervals.configRepo` of the settings the pass read: how long `steward run` waits before the next pass.
    public var configRepoInterval: Int = Settings.Intervals().configRepo

    public var outcome: Outcome {
        if diagnostics.hasErrors || !failures.isEmpty { return .failed }
        return pending.isEmpty ? .converged : .progressing
    }
}

/// Durations of a pass's steps (the loader's steps in `load`).
public struct ReconcileTimings: Sendable {
    public var fetch: Duration = .zero
    public var load = LoadTimings()
    public var observe: Duration = .zero
    public var plan: Duration = .zero
    /// Executing actions: store writes and playbook runs.
    public var act: Duration = .zero
    public var total: Duration = .zero
}

/// Level-triggered reconcile: read the config revision, observe, plan, act, record. Every side effect is
/// recorded before and after, so a crash at any point resumes without repeating finished work.
public struct Reconciler: Sendable {
    public var source: any ConfigSource
    public var store: any StateStore & ForgeSyncStore & SecretStore
    /// Opens sealed secrets; asked for only when a deploy needs one (the master key stays unread otherwise).
    public var makeCipher: @Sendable () throws -> any SecretCipher
    /// The forge to sync (and the owners to list) for the revision's settings; nil skips the sync.
    public var makeForge: @Sendable (Settings) throws -> (forge: any Forge, owners: [String])?
    /// Builds the forge client from the settings of the revision being reconciled.
    public var makeResolver: @Sendable (Settings) throws -> any RepoResolver
    /// The health_checker for the revision's settings, run after acting when `intervals.healthCheck` is due;
    /// nil skips it.
    public var makeHealthChecker: @Sendable (Settings) throws -> HealthChecker? = { _ in nil }
    /// The engineering agents (StewardAgents' project graph); nil stalls projects that need them.
    public var engineering: (any ProjectEngineering)?
    public var runner: any PlaybookRunner
    /// Packs commits for servers reached over SSH; nil lets them clone the forge's URL themselves.
    public var bundler: (any SourceBundler)?
    public var library: PlaybookLibrary
    /// Where materialized config playbooks and local apps live.
    public var stateDirectory: URL
    public var now: @Sendable () -> Date
    public var logger: Logger
    /// server_sync and provisioner_trigger, run before observing when `intervals.serverSync` is due; nil skips them.
    public var servers: ServerLifecycle?

    public init(
        source: any ConfigSource, store: any StateStore & ForgeSyncStore & SecretStore,
        makeCipher: @escaping @Sendable () throws -> any SecretCipher = { throw ConfigSourceError("no secret cipher configured") },
        makeForge: @escaping @Sendable (Settings) throws -> (forge: any Forge, owners: [String])? = { _ in nil },
        makeResolver: @escaping @Sendable (Settings) throws -> any RepoResolver, runner: any PlaybookRunner,
        bundler: (any SourceBundler)? = nil, library: PlaybookLibrary, stateDirectory: URL,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.bundler = bundler
        self.source = source
        self.store = store
        self.makeResolver = makeResolver
        self.makeForge = makeForge
        self.makeCipher = makeCipher
        self.runner = runner
        self.library = library
        self.stateDirectory = stateDirectory
        self.now = now
        self.logger = logger
    }

    /// A local server registered in this pass is ready at once, but its facts and deploy markers were never read, so
    /// the plan could not adopt what it already runs: a fresh state dir would run the playbook for a deploy that
    /// is there (README: "Markers and fresh state dirs"). Reads them now, before any deploy, and turns each first
    /// deploy to such a server that its marker reports exactly into `adoptDeploy` (which still asks the health path).
    /// - Returns: the deploy actions to run, and the servers whose facts were read.
    func adoptingMarkersOfNewLocalServers(
        _ deploys: [Action], settings: Settings
    ) async -> (actions: [Action], factsRead: Set<String>) {
        guard let servers else { return (deploys, []) }
        var unread: Set<String> = []
        for case .deploy(let plan) in deploys where plan.server.spec.connection == .local && !plan.isRepair {
            if let record = try? await store.server(named: plan.server.name), record.lastCheckedAt == nil {
                unread.insert(plan.server.name)
            }
        }
        guard !unread.isEmpty else { return (deploys, []) }
        do {
            try await servers.readFacts(of: unread, settings: settings)
        } catch {
            logger.warning("facts of new local servers unavailable; deploying without their markers: \(error)", metadata: [
                "action": "server_sync",
            ])
            return (deploys, [])
        }
        var result: [Action] = []
        for action in deploys {
            guard case .deploy(let plan) = action, unread.contains(plan.server.name), !plan.isRepair,
                (try? await store.project(named: plan.project))??.lastDeployInputHash == nil,
                let marker = (try? await store.server(named: plan.server.name))??.deployMarkers[plan.project],
                let adopted = plan.adopting(marker)
            else {
                result.append(action)
                continue
            }
            result.append(.adoptDeploy(adopted, marker))
        }
        return (result, unread)
    }

    /// One pass. - Throws: only when the config repo cannot be read or the store fails before any action.
    public func reconcile(_ options: ReconcileOptions = ReconcileOptions()) async throws -> ReconcileReport {
        let started = ContinuousClock.now
        let revision = try await source.update()
        let fetched = ContinuousClock.now
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library.playbooks).load(revision)
        let parsed = ContinuousClock.now
        for diagnostic in loaded.desired.diagnostics {
            logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(diagnostic.message)",
                metadata: ["file": "\(diagnostic.location)"])
        }
        if let only = options.project, !loaded.desired.projects.contains(where: { $0.name == only }) {
            throw ConfigSourceError("no valid Project manifest named \(only) in \(revision.commit ?? revision.ref)")
        }
        if !options.dryRun, options.alone { try await syncForge(loaded.desired.settings) }
        if !options.dryRun, options.alone, let servers {
            do {
                _ = try await servers.run(settings: loaded.desired.settings)
            } catch {
                logger.error("server sync failed: \(error)", metadata: ["action": "server_sync"])
            }
        }
        var (observed, repoAnswers) = try await observe(loaded, only: options.project)
        if options.forceDeploy, let project = options.project { observed.forceDeploy.insert(project) }
        var digest = worldDigest(loaded, observed, repoAnswers)
        let previous = try await store.lastReconcile()
        var worldUnchanged = options.project == nil && previous?.finishedAt != nil && previous?.worldDigest == digest
        let observedAt = ContinuousClock.now
        var actions = Planner().plan(
            desired: loaded.desired, observed: observed, only: options.project, worldUnchanged: worldUnchanged)
        // Beside a controller, the keys to act on are taken first; one that was busy changed meanwhile: plan again
        // (with the leases held, nothing changes them now).
        func keys(_ actions: [Action]) -> [String] {
            Set(actions.compactMap { ObjectKey(actionKey: $0.key)?.description }).sorted()
        }
        if !options.dryRun, let takeKeys = options.takeKeys, try await takeKeys(keys(actions)) {
            (observed, repoAnswers) = try await observe(loaded, only: options.project)
            if options.forceDeploy, let project = options.project { observed.forceDeploy.insert(project) }
            digest = worldDigest(loaded, observed, repoAnswers)
            worldUnchanged = false
            actions = Planner().plan(desired: loaded.desired, observed: observed, only: options.project)
            _ = try await takeKeys(keys(actions))
        }
        let planned = ContinuousClock.now
        var timings = ReconcileTimings(
            fetch: fetched - started, load: loaded.timings, observe: observedAt - parsed, plan: planned - observedAt)
        logger.debug("planned", metadata: [
            "fetch_ms": "\(ms(timings.fetch))", "list_ms": "\(ms(loaded.timings.list))",
            "cache_read_ms": "\(ms(loaded.timings.cacheRead))", "parse_ms": "\(ms(loaded.timings.parse))",
            "validate_ms": "\(ms(loaded.timings.validate))", "observe_ms": "\(ms(timings.observe))",
            "plan_ms": "\(ms(timings.plan))", "parsed_files": "\(loaded.parsedFiles)",
            "cached_files": "\(loaded.cachedFiles)", "actions": "\(actions.count)",
            "world_unchanged": "\(worldUnchanged)",
        ])
        var report = ReconcileReport(
            revision: revision, diagnostics: loaded.desired.diagnostics, actions: actions, failures: [], pending: [],
            playbookRuns: 0, parsedFiles: loaded.parsedFiles, cachedFiles: loaded.cachedFiles, timings: timings)
        report.configRepoInterval = loaded.desired.settings.intervals.configRepo
        if options.dryRun {
            report.pending = actions.filter { if case .markActive = $0 { false } else { true } }.map { "\($0.key): \($0.summary)" }
            timings.total = ContinuousClock.now - started
            report.timings = timings
            return report
        }

        for run in options.alone ? try await store.recoverInterruptedRuns(at: now()) : [] {
            logger.warning("run interrupted by a crash; it will be redone if still needed", metadata: [
                "project": "\(run.project ?? "-")", "run": "\(run.id ?? 0)", "action": "\(run.kind)",
            ])
        }
        var reconcile = ReconcileRecord(commit: revision.commit, ref: revision.ref, startedAt: now(), actions: actions.count)
        reconcile.id = try await store.beginReconcile(reconcile)

        // Everything but agent threads and deploys runs in plan order (registrations, phases, prunes that free
        // ports); then the projects' agent threads, at most `concurrency` at once; then the deploys, at most
        // `concurrency` at once. Those with Steward's own playbooks run in batches of up to `concurrency` projects,
        // one `ansible-playbook` per batch (see DeployBatch); those with a config repo's playbook (which may expect
        // the server as its inventory host) each in a run of its own. With `concurrency: 1` every deploy runs
        // alone, one after another.
        var executor = ActionExecutor(reconciler: self, loaded: loaded)
        if let project = options.project, let answer = options.answer { executor.answers[project] = answer }
        for action in actions where !action.isDeploy && !action.isEngineer {
            await execute(action, with: &executor)
        }
        executor.failures += await engineerConcurrently(actions.filter(\.isEngineer), loaded: loaded, answers: executor.answers)
        let (deploys, factsRead) = await adoptingMarkersOfNewLocalServers(
            actions.filter(\.isDeploy), settings: loaded.desired.settings)
        let limit = max(1, loaded.desired.settings.concurrency)
        var alone: [Action] = []
        var batches: [PlaybookSource: [DeployPlan]] = [:]
        var batchOrder: [PlaybookSource] = []
        for action in deploys {
            guard case .deploy(let plan) = action, limit > 1, plan.playbook.origin == .steward else {
                alone.append(action)
                continue
            }
            if batches[plan.playbook] == nil { batchOrder.append(plan.playbook) }
            batches[plan.playbook, default: []].append(plan)
        }
        for playbook in batchOrder {
            let plans = batches[playbook]!
            for start in stride(from: 0, to: plans.count, by: limit) {
                await deployBatch(Array(plans[start..<min(start + limit, plans.count)]), forks: limit, with: &executor)
            }
        }
        await withTaskGroup(of: (failures: [String], runs: Int).self) { group in
            var next = 0
            func startNext() {
                guard next < alone.count else { return }
                let action = alone[next]
                next += 1
                group.addTask {
                    var own = ActionExecutor(reconciler: self, loaded: loaded)
                    await self.execute(action, with: &own)
                    return (own.failures, own.playbookRuns)
                }
            }
            for _ in 0..<limit { startNext() }
            for await finished in group {
                executor.failures += finished.failures
                executor.playbookRuns += finished.runs
                startNext()
            }
        }
        // spec.dependsOn: the projects that waited for a dependency go next, wave by wave, each planned again now that
        // this pass's deploys are done (a dependency that is still not Ready keeps them waiting, for the next pass).
        var waiting = Set(actions.compactMap { action -> String? in
            if case .waitForDependencies(let name, _) = action { name } else { nil }
        })
        while !waiting.isEmpty {
            var stillWaiting: Set<String> = []
            for name in waiting.sorted() {
                let wave = try await reconcileProject(name, loaded: loaded, deploys: nil)
                executor.failures += wave.failures
                executor.playbookRuns += wave.playbookRuns
                report.actions += wave.actions.filter { if case .waitForDependencies = $0 { false } else { true } }
                if wave.actions.contains(where: { if case .waitForDependencies = $0 { true } else { false } }) { stillWaiting.insert(name) }
            }
            // No project moved: what they wait for is not coming in this pass.
            if stillWaiting == waiting { break }
            waiting = stillWaiting
        }
        // New or changed Server manifests are checked (and provisioned) in the same pass, not one interval later
        // (a new local server's facts were read before the deploys).
        let changedServers = Set(actions.compactMap { action -> String? in
            switch action {
            case .registerServer(let server), .updateServer(let server): server.name
            default: nil
            }
        })
        if options.alone, let servers, !changedServers.isSubset(of: factsRead) {
            do {
                _ = try await servers.run(settings: loaded.desired.settings, force: true)
            } catch {
                logger.error("server sync failed: \(error)", metadata: ["action": "server_sync"])
            }
        }
        timings.act = ContinuousClock.now - planned
        // A repaired service is checked again at once, so its incident is resolved in the pass that fixed it.
        let repaired = actions.contains { if case .deploy(let plan) = $0 { plan.isRepair } else { false } }
        if options.project == nil, options.alone { await checkHealth(loaded.desired.settings, force: repaired) }
        report.failures = executor.failures
        report.playbookRuns = executor.playbookRuns
        report.pending = try await pendingProjects(loaded.desired, only: options.project)
        if options.project == nil { report.pending += try await pendingServersAndIncidents(loaded.desired) }

        reconcile.finishedAt = now()
        // Only a pass over every project whose every action went through may vouch for the next pass's
        // shortcut: an action that threw may have left an active project with a new spec and an old deploy.
        reconcile.worldDigest = options.project == nil && report.failures.isEmpty ? digest : nil
        reconcile.errors = report.failures.count + report.diagnostics.filter { $0.severity == .error }.count
        reconcile.result = switch report.outcome {
        case .converged: .converged
        case .progressing: .progressing
        case .failed: .failed
        }
        try await store.finishReconcile(reconcile)
        // The journal stays bounded: `journal.maxAge` and `journal.maxRows` of steward.yaml.
        let journal = loaded.desired.settings.journal
        do {
            try await store.pruneJournal(before: now().addingTimeInterval(-Double(journal.maxAge)), keepingAtMost: journal.maxRows)
        } catch {
            logger.warning("journal not pruned: \(error)")
        }
        timings.total = ContinuousClock.now - started
        report.timings = timings
        logger.info(
            report.playbookRuns == 0 && actions.isEmpty
                ? "reconcile finished: nothing changed, 0 ansible-playbook runs"
                : "reconcile finished: \(actions.count) actions, \(report.playbookRuns) ansible-playbook runs",
            metadata: [
                "commit": "\(revision.commit ?? "-")", "result": "\(report.outcome.rawValue)",
                "playbook_runs": "\(report.playbookRuns)", "duration_ms": "\(ms(ContinuousClock.now - started))",
            ])
        return report
    }

    /// github_sync as part of a pass: lists the forge so new, renamed and missing repos are known before
    /// planning. A forge that cannot be reached is logged and counted (transient), never fatal.
    /// - Parameter force: sync even when `intervals.githubSync` has not passed (a webhook said the forge changed).
    func syncForge(_ settings: Settings, force: Bool = false) async throws {
        let target: (forge: any Forge, owners: [String])?
        do {
            target = try makeForge(settings)
        } catch {
            logger.warning("forge sync skipped: \(error)", metadata: ["action": "github_sync"])
            return
        }
        guard let target else { return }
        let sync = ForgeSync(
            forge: target.forge, store: store, alertThreshold: settings.thresholds.syncFailuresBeforeAlert, now: now,
            logger: logger)
        for owner in target.owners {
            // The heartbeat's period (intervals.githubSync) holds for one-shot passes too; `steward sync` forces it.
            if !force, let last = try await store.forgeSyncState(owner: owner)?.lastAttemptAt,
                now().timeIntervalSince(last) < Double(settings.intervals.githubSync)
            {
                logger.debug("forge sync not due", metadata: [
                    "owner": "\(owner)", "last_attempt": "\(last)", "interval_s": "\(settings.intervals.githubSync)",
                ])
                continue
            }
            _ = try await sync.sync(owner: owner)
        }
    }

    /// health_checker as part of a pass, after acting (a fresh deploy is checked as deployed) and only when
    /// `intervals.healthCheck` has passed since the last round; `steward sync health --once` forces one. Its
    /// failures are logged, never fatal: a service being down is not a failed reconcile.
    func checkHealth(_ settings: Settings, force: Bool = false) async {
        do {
            guard let checker = try makeHealthChecker(settings) else { return }
            _ = force ? try await checker.run() : try await checker.runIfDue()
        } catch {
            logger.warning("health check skipped: \(error)", metadata: ["action": "health_check"])
        }
    }

    /// Digest of everything planning reads besides manifests and project records: settings, servers and their
    /// status, the forge's answers, playbook sources, available secret names, Steward's own playbooks.
    func worldDigest(_ loaded: LoadedConfig, _ observed: ObservedState, _ repoAnswers: [String: RepoObservation]) -> String {
        var lines = ["world-v1", CanonicalJSON.hash(loaded.desired.settings), library.treeHash]
        for server in loaded.desired.servers.sorted(by: { $0.name < $1.name }) {
            let record = observed.servers[server.name]
            lines.append("server \(server.name) \(server.specHash) \(record?.status.rawValue ?? "-") "
                + (record?.facts?.deployFingerprint ?? "-"))
        }
        for key in repoAnswers.keys.sorted() {
            switch repoAnswers[key]! {
            case .found(let repo): lines.append("repo \(key) \(repo.commit) \(repo.cloneURL)")
            case .missing: lines.append("repo \(key) missing")
            case .unavailable: lines.append("repo \(key) unavailable")
            }
        }
        for name in observed.playbooks.keys.sorted() {
            let source = observed.playbooks[name]!
            lines.append("playbook \(name) \(source.origin.rawValue) \(source.treeHash)")
        }
        for project in observed.pinned.keys.sorted() { lines.append("pin \(project) \(observed.pinned[project]!)") }
        for project in observed.secrets.keys.sorted() {
            let versions = observed.secrets[project]!
            lines.append("secrets \(project) \(versions.keys.sorted().map { "\($0)=\(versions[$0]!)" }.joined(separator: ","))")
        }
        return SHA256Digest.hex(lines.joined(separator: "\n"))
    }

    /// Gathers the observed state: store records, the forge's repos (one answer per repo and ref), playbook sources.
    /// - Parameter includeSuspended: resolve suspended projects' repos too (a drift check observes them; a pass does not).
    func observe(
        _ loaded: LoadedConfig, only: String?, includeSuspended: Bool = false
    ) async throws -> (ObservedState, [String: RepoObservation]) {
        var observed = ObservedState()
        for record in try await store.servers() { observed.servers[record.name] = record }
        observed.suspended = Set(try await store.suspensions().map { "\($0.objectKind)/\($0.objectName)" })
        if let only, !only.isEmpty, try await observeAlone(only, loaded: loaded, into: &observed) {
            // Read alone: the per-key reconcile of `steward run` costs the same with 10 projects or 10,000.
        } else {
            for record in try await store.projects(withDetails: false) { observed.projects[record.name] = record }
            for secret in try await store.secrets(project: nil) {
                observed.secrets[secret.project, default: [:]][secret.name] = secret.version
            }
            observed.ports = try await store.portAllocations()
            if let checker = try? makeHealthChecker(loaded.desired.settings) {
                observed.serviceDown = Set(try await checker.store.healthChecks().filter { $0.downSince != nil }.map(\.project))
            }
            for drift in try await store.drifts() where drift.status == .drifted {
                if let record = observed.projects[drift.project], (record.lastDeployedAt ?? .distantPast) <= drift.checkedAt {
                    observed.drifted.insert(drift.project)
                }
            }
        }
        let resolver = Result { try makeResolver(loaded.desired.settings) }
        // Many projects may deploy one repo: ask the forge once per repo and ref in a pass.
        var answers: [String: RepoObservation] = [:]
        let projects = only.map { name in loaded.project(named: name).map { [$0] } ?? [] } ?? loaded.desired.projects
        // `steward rollback --no-commit`: a pinned project deploys its pinned commit while its manifest is unchanged.
        var pins: [String: Pin] = [:]
        if let only {
            pins[only] = try await store.pin(project: only)
        } else {
            for pin in try await store.pins() { pins[pin.project] = pin }
        }
        for project in projects {
            guard includeSuspended || (!project.spec.suspend && !observed.suspended.contains("Project/\(project.name)")) else { continue }
            let key = "\(project.spec.repo)@\(project.spec.ref)"
            if let known = answers[key] {
                observed.repos[project.name] = known
            } else {
                let answer: RepoObservation
                do {
                    answer = try await resolver.get().resolve(repo: project.spec.repo, ref: project.spec.ref).map { .found($0) } ?? .missing
                } catch {
                    answer = .unavailable("\(error)")
                    logger.warning("forge unavailable; will retry", metadata: [
                        "project": "\(project.name)", "repo": "\(project.spec.repo)", "error": "\(error)",
                    ])
                }
                answers[key] = answer
                observed.repos[project.name] = answer
            }
            if let pin = pins[project.name], pin.holds(forSpecHash: project.specHash), case .found(let resolved)? = observed.repos[project.name] {
                observed.repos[project.name] = .found(ResolvedRepo(cloneURL: resolved.cloneURL, commit: pin.commit))
                observed.pinned[project.name] = pin.commit
            }
            let playbook = project.spec.deploy.playbook
            if observed.playbooks[playbook] == nil {
                observed.playbooks[playbook] = library.source(for: playbook, in: loaded)
            }
            if await isRunnableAdoption(project, observed: observed) { observed.runnable.insert(project.name) }
        }
        return (observed, answers)
    }

    /// Reads only `name`'s own rows (record, secrets, ports, health) when that is all its plan needs: it is placed on a
    /// server that is ready, so placement never weighs the other projects' usage.
    /// - Returns: false when the project needs the whole picture (new, unplaced, its server gone or not ready).
    private func observeAlone(_ name: String, loaded: LoadedConfig, into observed: inout ObservedState) async throws -> Bool {
        guard let record = try await store.project(named: name), let server = record.server,
            let declared = loaded.desired.servers.first(where: { $0.name == server }),
            declared.spec.connection == .local || observed.servers[server]?.status == .ready
        else { return false }
        observed.projects[name] = record
        // spec.dependsOn: the dependencies' records say whether they are Ready.
        for dependency in loaded.project(named: name)?.spec.dependsOn ?? [] {
            observed.projects[dependency] = try await store.project(named: dependency)
        }
        for secret in try await store.secrets(project: name) { observed.secrets[name, default: [:]][secret.name] = secret.version }
        if let ports = try await store.portAllocation(project: name) { observed.ports[name] = ports }
        if let checker = try? makeHealthChecker(loaded.desired.settings),
            try await checker.store.healthCheck(project: name)?.downSince != nil
        {
            observed.serviceDown.insert(name)
        }
        if let drift = try await store.drift(project: name), drift.status == .drifted,
            (record.lastDeployedAt ?? .distantPast) <= drift.checkedAt
        {
            observed.drifted.insert(name)
        }
        return true
    }

    /// Whether `project` is bound for the agents, its repo was not created by Steward, and the repo already holds
    /// an app the deploy can start (`RunnableApp`). Asked only before the project's first deploy; a repo that
    /// cannot be read now is not runnable (the agents then only propose on a branch) and is asked again next pass.
    private func isRunnableAdoption(_ project: ProjectManifest, observed: ObservedState) async -> Bool {
        let record = observed.projects[project.name]
        guard project.spec.stage == .active, record?.repoOrigin != .created, record?.lastDeployCommit == nil,
            case .found(let repo)? = observed.repos[project.name],
            EngineeringStage.needsEngineering(
                project.spec, phase: EngineeringStage.plannedPhase(of: record), resumePhase: record?.resumePhase,
                implemented: record?.implementedChanges ?? [], deployed: false)
        else { return false }
        do {
            return try await RunnableApp.check(project.spec, repo: repo) { path in
                try await bundler?.contents(of: path, in: repo)
            }
        } catch {
            logger.warning("cannot read the repo to see whether it holds an app; the agents will only propose changes",
                metadata: ["project": "\(project.name)", "repo": "\(project.spec.repo)", "error": "\(error)"])
            return false
        }
    }

    /// Runs one action, logs its outcome (phase after it, duration) and records a failure instead of throwing.
    func execute(_ action: Action, with executor: inout ActionExecutor) async {
        let actionStart = ContinuousClock.now
        do {
            try await executor.execute(action)
        } catch {
            recordFailure(of: action, error, in: &executor)
        }
        await logOutcome(action, since: actionStart)
    }

    /// Deploys `plans` (same playbook) in one `ansible-playbook` run: each is prepared (ports, phase, run record)
    /// in plan order, then run together, then each recorded on its own; each deploy's outcome is logged as
    /// `execute` logs an action's.
    private func deployBatch(_ plans: [DeployPlan], forks: Int, with executor: inout ActionExecutor) async {
        let started = ContinuousClock.now
        var prepared: [PreparedDeploy] = []
        for plan in plans {
            let action = Action.deploy(plan)
            do {
                if let deploy = try await executor.prepareDeploy(plan) {
                    prepared.append(deploy)
                    continue
                }
            } catch {
                recordFailure(of: action, error, in: &executor)
            }
            await logOutcome(action, since: started)
        }
        guard !prepared.isEmpty else { return }
        do {
            try await executor.runDeploys(prepared, forks: forks)
        } catch {
            for deploy in prepared { recordFailure(of: .deploy(deploy.plan), error, in: &executor) }
        }
        for deploy in prepared { await logOutcome(.deploy(deploy.plan), since: started) }
    }

    /// Counts `action`'s failure (one line for the report) and logs it with the action's fields.
    func recordFailure(of action: Action, _ error: any Error, in executor: inout ActionExecutor) {
        executor.failures.append("\(action.key): \(action.name) failed: \(error)")
        logger.error("\(error)", metadata: action.logMetadata)
    }

    func logOutcome(_ action: Action, since start: ContinuousClock.Instant) async {
        let phase = (try? await currentPhase(action.key)) ?? "-"
        var metadata = action.logMetadata
        metadata["phase"] = "\(phase)"
        metadata["duration_ms"] = "\(ms(ContinuousClock.now - start))"
        logger.info("\(action.summary)", metadata: metadata)
    }

    private func currentPhase(_ key: String) async throws -> String {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return "-" }
        if parts[0] == "Project" { return try await store.project(named: parts[1])?.phase.rawValue ?? "deleted" }
        return try await store.server(named: parts[1])?.status.rawValue ?? "deleted"
    }

    func pendingProjects(_ desired: DesiredState, only: String?) async throws -> [String] {
        let records = Dictionary(
            try await store.projects(withDetails: false).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let suspended = Set(try await store.suspensions().filter { $0.objectKind == "Project" }.map(\.objectName))
        var result: [String] = []
        for project in desired.projects where (only == nil || only == project.name) {
            if let why = try await pending(project, record: records[project.name], suspended: suspended.contains(project.name)) {
                result.append(why)
            }
        }
        return result
    }

    /// Why `project` is short of its desired state (`Project/NAME: phase: why`), or nil when it is not: suspended, at
    /// the stage its manifest asks for, or active without an open proposal.
    /// - Parameter record: its record as listed (without details); the full one is read only when it is pending.
    /// - Parameter suspended: `steward suspend` holds it (as the manifest's `spec.suspend`, it is then not pending).
    func pending(_ project: ProjectManifest, record: ProjectRecord?, suspended: Bool) async throws -> String? {
        guard !project.spec.suspend, !suspended else { return nil }
        guard let record else { return "Project/\(project.name): not registered" }
        let phase = record.phase
        // An earlier stage the graph has reached is converged.
        if project.spec.stage != .active, record.proposal == nil,
            EngineeringStage.reached(project.spec.stage, phase: phase, resumePhase: record.resumePhase)
        {
            return nil
        }
        guard phase != .active || record.proposal != nil, let full = try await store.project(named: project.name) else {
            return nil
        }
        let why = full.conditions[Condition.stalled]?.message ?? full.conditions[Condition.ready]?.message ?? ""
        return "Project/\(project.name): \(phase.rawValue)\(why.isEmpty ? "" : ": \(why)")"
    }

    /// Declared servers that are not ready, and open critical incidents: a pass is not converged while any
    /// exists, even when every project is active (a server may be needed by the next project; an incident
    /// needs a person or `steward fix`).
    private func pendingServersAndIncidents(_ desired: DesiredState) async throws -> [String] {
        let records = Dictionary(try await store.servers().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var pending: [String] = []
        for server in desired.servers {
            guard let record = records[server.name] else {
                pending.append("Server/\(server.name): not registered")
                continue
            }
            guard record.status != .ready else { continue }
            let why = record.conditions[Condition.ready]?.message ?? ""
            pending.append("Server/\(server.name): \(record.status.rawValue)\(why.isEmpty ? "" : ": \(why.firstLine())")")
        }
        let declared = Set(desired.projects.map { "Project/\($0.name)" }).union(desired.servers.map { "Server/\($0.name)" })
        for incident in try await store.incidents(openOnly: true).reversed()
        where incident.severity == .critical && declared.contains("\(incident.objectKind)/\(incident.objectName)") {
            pending.append("Incident #\(incident.id.map(String.init) ?? "-") \(incident.kind.rawValue) on "
                + "\(incident.objectKind)/\(incident.objectName): \(incident.message.firstLine())")
        }
        return pending
    }
}

/// Milliseconds of a duration.
func ms(_ duration: Duration) -> Int {
    Int(duration.components.seconds * 1000) + Int(duration.components.attoseconds / 1_000_000_000_000_000)
}
