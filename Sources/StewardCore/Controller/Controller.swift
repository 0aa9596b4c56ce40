import Foundation
import Logging
import StewardModel
import StewardQueue

/// `steward run` (docs/ARCHITECTURE.md §4): a work queue of `ObjectKey`s and workers that reconcile one key at a
/// time each. The singleton keys poll their sources and enqueue the objects they find changed; every key returns
/// when it is due again (`requeue(after:)`), fails into its own backoff, or is done until an event adds it.
public final class Controller: @unchecked Sendable {
    public struct Options: Sendable {
        /// Overrides `intervals.configRepo` (`steward run --interval`).
        public var configInterval: Int?
        /// How long deploys wait for others to share their `ansible-playbook` run.
        public var deployWindow: Duration = .milliseconds(250)
        /// After this many plans in a row that each moved a key on, the key waits for its poll instead (an action
        /// that never settles must not spin a worker).
        public var progressLimit = 20
        /// Called after each config poll (the CLI hands freed memory back to the system).
        public var afterPoll: @Sendable () -> Void = {}
        /// Told of each reconcile and of the queue's work (`/metrics`); nil counts nothing.
        public var metrics: (any ControllerMetrics & WorkQueueMetrics)?
        /// One replica of several on one database (docs/ARCHITECTURE.md §4): the keys it owns by the ring; nil for the
        /// one controller of a state dir.
        public var membership: ReplicaMembership?

        public init(configInterval: Int? = nil) {
            self.configInterval = configInterval
        }
    }

    public let reconciler: Reconciler
    public let queue: WorkQueue<ObjectKey, ContinuousClock>
    public let deploys: DeployCoordinator
    /// This controller's per-key leases; nil runs without (tests of one process).
    public let leases: KeyLeases?
    public let options: Options
    var logger: Logger { reconciler.logger }
    let lock = NSLock()
    var state = State()
    private let startedAt = Date()

    struct State {
        var loaded: LoadedConfig?
        /// What the forge said of each project's repo at the last look: `commit url`, or `missing`.
        var repos: [String: String] = [:]
        var serverStatus: [String: String] = [:]
        var inFlight: [ObjectKey: Date] = [:]
        var progressStreak: [ObjectKey: Int] = [:]
        /// Each project's input fingerprint when its last reconcile found nothing to do (`fingerprint(_:)`).
        var settled: [String: String] = [:]
        /// Grows whenever a server's status changes: every project's fingerprint includes it.
        var serverGeneration = 0
        /// The store's count of other processes' writes at the last look; nil before it (nothing is skipped).
        var externalWrites: Int64?
        /// What every project's deploy reads besides its own manifest: settings, playbook trees.
        var globalInputs = ""
        /// Secret versions by project, as last read: another process's `secret set` enqueues its project.
        var secretVersions: [String: [String: Int]] = [:]
        /// `steward suspend`, as last read (`KIND/NAME`): a change enqueues what it concerns.
        var suspensions: Set<String> = []
        /// `spec.dependsOn` reversed, for the loaded revision: who waits for each project.
        var dependents: [String: [String]] = [:]
        /// Projects a drift round marked: each key checks its project once its reconcile finds nothing to do.
        var driftDue: Set<String> = []
        var resyncs = 0
        var polls = 0
        var reconciles = 0
        var failures = 0
        var forceHealth = false
        var forceForgeSync = false
        var objectSlots: Int = 1
        var slotsInUse = 0
        var slotWaiters: [CheckedContinuation<Void, Never>] = []
        /// The last object reconciles (and failures of any key), newest last, at most `recentLimit`.
        var recent: [RecentReconcile] = []
        /// Keys found to need work that another replica owns, handed to it through the store after the reconcile.
        var handOff: Set<String> = []
    }

    /// How many reconciles `recentReconciles` keeps.
    static let recentLimit = 20

    public init(reconciler: Reconciler, leases: KeyLeases?, options: Options = Options()) {
        self.reconciler = reconciler
        self.leases = leases
        self.options = options
        let queue = WorkQueue<ObjectKey, ContinuousClock>(clock: ContinuousClock(), metrics: options.metrics)
        self.queue = queue
        // Object keys being reconciled or about to be: each may still bring a deploy to the open batch.
        deploys = DeployCoordinator(reconciler: reconciler, window: options.deployWindow) {
            let snapshot = queue.snapshot()
            return snapshot.processing.count { $0.isObject } + snapshot.queued.count { $0.isObject }
        }
    }

    /// How many config polls have finished.
    public var polls: Int { lock.withLock { state.polls } }

    /// How many keys have been reconciled.
    public var reconciles: Int { lock.withLock { state.reconciles } }

    /// The config revision the controller acts on, once it has loaded one.
    public var loaded: LoadedConfig? { lock.withLock { state.loaded } }

    /// Runs the workers until `shutDown`: the config key first, which loads the revision and enqueues the rest.
    /// Object keys (projects, servers) run at most `concurrency` at once; the singletons have workers of their own.
    public func run() async {
        if let membership = options.membership {
            // The ring before the first config poll, so a starting replica queues only its own keys.
            do {
                if let ring = try await membership.refresh(now: Date()) {
                    logger.info("replicas: \(ring.members.count) live", metadata: ["action": "replica_ring"])
                }
            } catch {
                logger.warning("replicas not read yet: \(error)", metadata: ["action": "replica"])
            }
        }
        queue.add(.config)
        let replica = options.membership.map { membership in Task { await self.runReplica(membership) } }
        let fence = options.membership.map { membership in Task { await self.watchFence(membership.leases) } }
        await queue.runWorkers(5 + 64) { key in await self.reconcile(key) }
        replica?.cancel()
        fence?.cancel()
    }

    /// Fetch the config repo now (SIGHUP, a webhook's push).
    public func fetchNow() { queue.add(.config) }

    /// Forge sync now, whether or not `intervals.githubSync` is due (a webhook's repository event).
    public func syncForgeNow() {
        lock.withLock { state.forceForgeSync = true }
        enqueue(.forge)
        Task { await self.flushHandOff() }
    }

    /// Reconcile these projects now (a webhook's push to their repo); another replica's are handed to it.
    public func reconcileNow(projects: [String]) {
        for name in projects { enqueue(.project(name)) }
        Task { await self.flushHandOff() }
    }

    /// The projects of the loaded revision that deploy `repository` (`owner/name`, any case) at `ref`, a push's
    /// `refs/heads/BRANCH` or `refs/tags/TAG` (or the bare name), suspended ones aside.
    public func projects(deploying repository: String, at ref: String) -> [String] {
        guard let loaded else { return [] }
        let repository = repository.lowercased()
        return loaded.desired.projects.filter { project in
            !project.spec.suspend && project.spec.repo.lowercased() == repository
                && [project.spec.ref, "refs/heads/\(project.spec.ref)", "refs/tags/\(project.spec.ref)"].contains(ref)
        }.map(\.name)
    }

    /// Whether a config revision is loaded and the first config poll has finished (`/readyz`).
    public var isReady: Bool { polls > 0 && lock.withLock { state.loaded != nil } }

    /// Stops taking keys and waits for the work in progress, at most `grace` and while `abort` says no (a second
    /// SIGTERM); then ends what still runs by cancelling `workers`: Ansible runs are killed by process group and
    /// recorded `interrupted`, their projects redone on the next start.
    /// - Returns: whether the work in progress finished in time.
    @discardableResult
    public func shutDown(
        grace: Duration, cancelling workers: Task<Void, Never>, abort: @escaping @Sendable () -> Bool = { false }
    ) async -> Bool {
        let drained = Task { await queue.shutDown(drain: true, keepQueued: false) }
        let deadline = ContinuousClock.now + grace
        var inTime = true
        while !queue.snapshot().processing.isEmpty {
            if ContinuousClock.now >= deadline || abort() {
                inTime = false
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if !inTime {
            deploys.cancelRunning()
            workers.cancel()
        }
        await drained.value
        return inTime
    }

    // MARK: Reconcile one key

    func reconcile(_ key: ObjectKey) async -> WorkOutcome {
        let started = ContinuousClock.now
        lock.withLock { state.inFlight[key] = Date() }
        defer {
            lock.withLock {
                state.inFlight[key] = nil
                state.reconciles += 1
            }
        }
        var outcome: WorkOutcome
        // Fenced: the store has not confirmed this process's leases lately, so it may no longer hold them.
        if let leases, !leases.canAct { return .requeue(after: .seconds(1)) }
        // Another replica's key (the ring moved since it was queued): its owner has it.
        if let membership = options.membership, key.isLeased, !membership.owns(key) {
            logger.debug("\(key) belongs to replica \(membership.owner(of: key) ?? "-")", metadata: ["key": "\(key)"])
            return .done
        }
        defer { if options.membership != nil { Task { await self.flushHandOff() } } }
        do {
            // A key a one-shot command works on (`steward answer`, `fix`, `sync`) waits for it.
            if let leases, key.isLeased, let other = try await leases.tryAcquire(key.description) {
                logger.info("\(key) is busy: \(LeaseHolder.describe(other)) works on it; trying again in 2 s", metadata: [
                    "key": "\(key)",
                ])
                return .requeue(after: .seconds(2))
            }
            switch key {
            case .config: outcome = try await reconcileConfig()
            case .forge: outcome = try await reconcileForge()
            case .servers:
                if options.membership != nil { try await recoverDeadReplicasServerRuns() }
                outcome = try await reconcileServerSync()
            case .health: outcome = try await reconcileHealth()
            case .resync: outcome = try await resync()
            case .drift: outcome = driftRound()
            case .project(let name):
                outcome = try await reconcileObject(key)
                // Whoever waits for it (spec.dependsOn) looks again: it may be Ready now. A dependent that settled
                // (nothing to do at its current inputs) is not waiting: a resync of 10,000 dependents of one project
                // stays a dictionary walk.
                for dependent in lock.withLock({ state.dependents[name] ?? [] }) {
                    let current = fingerprint(dependent)
                    if current == nil || lock.withLock({ state.settled[dependent] }) != current { enqueue(.project(dependent)) }
                }
            case .server: outcome = try await reconcileObject(key)
            }
        } catch is CancellationError {
            outcome = .failed("cancelled")
        } catch {
            outcome = .failed("\(error)")
        }
        // Released before the key is done, so the next holder never waits for a lease nobody uses.
        if let leases, key.isLeased { await leases.release([key.description]) }
        let duration = ContinuousClock.now - started
        var metadata: Logger.Metadata = ["key": "\(key)", "duration_ms": "\(ms(duration))"]
        options.metrics?.reconciled(kind: key.kind, result: outcome.result, duration: duration)
        if key.isObject || outcome.result == "failed" {
            var error: String?
            if case .failed(let message) = outcome { error = message.firstLine() }
            let summary = RecentReconcile(
                key: key.description, result: outcome.result, durationMs: ms(duration), finishedAt: Date(), error: error)
            lock.withLock {
                state.recent.append(summary)
                if state.recent.count > Self.recentLimit { state.recent.removeFirst(state.recent.count - Self.recentLimit) }
            }
        }
        switch outcome {
        case .failed(let error):
            lock.withLock { state.failures += 1 }
            metadata["result"] = "failed"
            let delay = queue.failures(of: key) + 1
            logger.warning("\(key) failed (attempt \(delay)); retried after its backoff: \(error.firstLine())", metadata: metadata)
        case .requeue(let after):
            metadata["next_in_ms"] = "\(ms(after))"
            logger.debug("\(key) reconciled", metadata: metadata)
        case .done, .terminal:
            logger.debug("\(key) reconciled", metadata: metadata)
        }
        return outcome
    }

    private var settings: Settings? { loaded?.desired.settings }

    private func seconds(_ value: Int) -> Duration { .seconds(max(0, value)) }

    private var configInterval: Duration {
        seconds(options.configInterval ?? settings?.intervals.configRepo ?? Settings.Intervals().configRepo)
    }

    /// Fetches the config repo; a new commit is loaded, its servers reconciled at once (projects are placed on them),
    /// and the projects whose manifests changed are enqueued (all of them when the settings or the config repo's
    /// playbooks changed, or on the first load).
    private func reconcileConfig() async throws -> WorkOutcome {
        let poll = lock.withLock { state.polls + 1 }
        defer {
            lock.withLock { state.polls = poll }
            options.afterPoll()
        }
        let revision = try await reconciler.source.update()
        let commit = revision.commit.map { String($0.prefix(12)) } ?? revision.ref
        let previous = loaded
        try await noticeExternalWrites()
        if let previous, previous.revision.commit == revision.commit, revision.commit != nil {
            logger.info("config \(commit): unchanged", metadata: pollMetadata(poll, revision))
            return .requeue(after: configInterval)
        }
        let loaded = try await ConfigLoader(
            source: reconciler.source, store: reconciler.store, builtinPlaybooks: reconciler.library.playbooks
        ).load(revision)
        for diagnostic in loaded.desired.diagnostics {
            logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(diagnostic.message)",
                metadata: ["file": "\(diagnostic.location)"])
        }
        // Of several replicas, the one that owns the server sync registers and provisions the servers.
        let servers = options.membership?.owns(.servers) == false
            ? KeyReport() : try await reconciler.reconcileServers(nil, loaded: loaded)
        if !servers.actions.isEmpty, let lifecycle = reconciler.servers {
            do {
                _ = try await lifecycle.run(settings: loaded.desired.settings, force: true)
            } catch {
                logger.error("server sync failed: \(error)", metadata: ["action": "server_sync"])
            }
        }
        let changed = try await changedProjects(from: previous, to: loaded)
        let globalInputs = [
            CanonicalJSON.hash(loaded.desired.settings), loaded.configPlaybooksTreeHash, reconciler.library.treeHash,
        ].joined(separator: " ")
        var dependents: [String: [String]] = [:]
        for project in loaded.desired.projects {
            for dependency in project.spec.dependsOn ?? [] { dependents[dependency, default: []].append(project.name) }
        }
        lock.withLock {
            state.loaded = loaded
            state.dependents = dependents
            state.objectSlots = max(1, loaded.desired.settings.concurrency)
            state.globalInputs = globalInputs
            if !servers.actions.isEmpty { state.serverGeneration += 1 }
        }
        releaseSlots()
        for name in changed { enqueueOwned(.project(name)) }
        if previous == nil {
            // Every replica queues the singletons; a replica that does not own one drops it (the ring may move).
            queue.add(.forge)
            queue.add(.servers)
            queue.add(.health)
            queue.add(.resync, after: seconds(loaded.desired.settings.intervals.resync))
            // The first drift round one interval in: at a start the keys have their own work first.
            queue.add(.drift, after: seconds(loaded.desired.settings.intervals.driftCheck ?? Settings.Intervals().configRepo))
        }
        var metadata = pollMetadata(poll, revision)
        metadata["projects"] = "\(changed.count)"
        metadata["server_actions"] = "\(servers.actions.count)"
        metadata["parsed_files"] = "\(loaded.parsedFiles)"
        metadata["cached_files"] = "\(loaded.cachedFiles)"
        logger.info("config \(commit): \(changed.count) projects to reconcile", metadata: metadata)
        let journal = loaded.desired.settings.journal
        do {
            try await reconciler.store.pruneJournal(
                before: reconciler.now().addingTimeInterval(-Double(journal.maxAge)), keepingAtMost: journal.maxRows)
        } catch {
            logger.warning("journal not pruned: \(error)")
        }
        return .requeue(after: configInterval)
    }

    /// Another process wrote to the store (a `secret set`, a one-shot command beside this controller): every
    /// fingerprint is stale from now on, and a project whose secrets changed is enqueued (its deploy inputs changed).
    private func noticeExternalWrites() async throws {
        let writes = try await reconciler.store.externalWrites()
        let changed: Bool = lock.withLock {
            defer { state.externalWrites = writes }
            return writes == nil || state.externalWrites != writes
        }
        guard changed else { return }
        var versions: [String: [String: Int]] = [:]
        for secret in try await reconciler.store.secrets(project: nil) {
            versions[secret.project, default: [:]][secret.name] = secret.version
        }
        let moved: [String] = lock.withLock {
            defer { state.secretVersions = versions }
            guard state.loaded != nil else { return [] }
            return Set(versions.keys).union(state.secretVersions.keys).filter { versions[$0] != state.secretVersions[$0] }
        }
        for name in moved.sorted() { enqueueOwned(.project(name)) }
        // Suspended or resumed by another process: the object, and for a server the projects it holds.
        let suspensions = Set(try await reconciler.store.suspensions().map { "\($0.objectKind)/\($0.objectName)" })
        let toggled: Set<String> = lock.withLock {
            defer { state.suspensions = suspensions }
            return suspensions.symmetricDifference(state.suspensions)
        }
        guard !toggled.isEmpty else { return }
        var ports: [String: PortAllocation]?
        for key in toggled.sorted() {
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "Project" {
                enqueueOwned(.project(parts[1]))
                continue
            }
            enqueueOwned(.server(parts[1]))
            if ports == nil { ports = try await reconciler.store.portAllocations() }
            let declared = loaded?.desired.projects.filter { $0.spec.server == parts[1] }.map(\.name) ?? []
            let placed = ports?.filter { $0.value.server == parts[1] }.map(\.key) ?? []
            for name in Set(declared).union(placed).sorted() { enqueueOwned(.project(name)) }
        }
    }

    /// What a project's reconcile reads, as kept in memory: its manifest, its repo's last answer, the servers'
    /// statuses (as a generation), other processes' writes, settings and playbooks. Equal to the fingerprint of its
    /// last reconcile that found nothing to do, it is converged still, and a resync skips it. Nil (never skipped)
    /// until each part is known.
    private func fingerprint(_ name: String) -> String? {
        lock.withLock {
            guard let manifest = state.loaded?.project(named: name), let repo = state.repos[name],
                let writes = state.externalWrites
            else { return nil }
            return "\(manifest.specHash) \(manifest.location.file) \(repo) \(state.serverGeneration) \(writes) \(state.globalInputs)"
        }
    }

    /// A config poll's log fields: its number, the commit, and the controller's resident memory (`rss_anon_kb`: the
    /// heap), so a log shows whether memory grows with time.
    private func pollMetadata(_ poll: Int, _ revision: ConfigRevision) -> Logger.Metadata {
        [
            "poll": "\(poll)", "commit": "\(revision.commit ?? "-")", "action": "config_poll",
            "rss_kb": "\((ResidentMemory.bytes() ?? 0) / 1024)",
            "rss_anon_kb": "\((ResidentMemory.anonymousBytes() ?? 0) / 1024)",
        ]
    }

    /// The projects a new revision may change: those whose manifest is new, changed, moved or gone, or every one (and
    /// every record) on the first load or when the settings or the config repo's playbooks changed.
    private func changedProjects(from previous: LoadedConfig?, to loaded: LoadedConfig) async throws -> [String] {
        var names = Set(loaded.desired.projects.map(\.name))
        func playbooks(_ config: LoadedConfig) -> [String] {
            config.entries.filter { $0.path.hasPrefix("playbooks/") }.map { "\($0.path) \($0.blobID)" }.sorted()
        }
        guard let previous, previous.desired.settings == loaded.desired.settings, playbooks(previous) == playbooks(loaded)
        else {
            for record in try await reconciler.store.projects(withDetails: false) where record.phase != .discovered {
                names.insert(record.name)
            }
            return names.sorted()
        }
        let before = Dictionary(previous.desired.projects.map { ($0.name, "\($0.specHash) \($0.location.file)") },
            uniquingKeysWith: { first, _ in first })
        let after = Dictionary(loaded.desired.projects.map { ($0.name, "\($0.specHash) \($0.location.file)") },
            uniquingKeysWith: { first, _ in first })
        names = Set(after.keys.filter { before[$0] != after[$0] }).union(before.keys.filter { after[$0] == nil })
        // A server whose manifest changed may change where and how its projects deploy.
        let serversBefore = Dictionary(previous.desired.servers.map { ($0.name, $0.specHash) }, uniquingKeysWith: { a, _ in a })
        let changedServers = Set(loaded.desired.servers.filter { serversBefore[$0.name] != $0.specHash }.map(\.name))
            .union(serversBefore.keys.filter { name in !loaded.desired.servers.contains { $0.name == name } })
        if !changedServers.isEmpty {
            for record in try await reconciler.store.projects(withDetails: false)
            where record.server.map(changedServers.contains) ?? true {
                names.insert(record.name)
            }
        }
        return names.sorted()
    }

    /// Forge sync when `intervals.githubSync` is due, then a look at every project's repo: one whose commit or URL
    /// moved, or that appeared or vanished, is enqueued.
    private func reconcileForge() async throws -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        let settings = loaded.desired.settings
        let force = lock.withLock {
            defer { state.forceForgeSync = false }
            return state.forceForgeSync
        }
        try await reconciler.syncForge(settings, force: force)
        let resolver = try reconciler.makeResolver(settings)
        var answers: [String: String] = [:]
        var changed: [String] = []
        for project in loaded.desired.projects where !project.spec.suspend {
            let key = "\(project.spec.repo)@\(project.spec.ref)"
            if answers[key] == nil {
                do {
                    answers[key] = try await resolver.resolve(repo: project.spec.repo, ref: project.spec.ref)
                        .map { "\($0.commit) \($0.cloneURL)" } ?? "missing"
                } catch {
                    // Unreachable now: nothing is known to have changed; the next look asks again.
                    continue
                }
            }
            let seen = answers[key]!
            let before: String? = lock.withLock {
                defer { state.repos[project.name] = seen }
                return state.repos[project.name]
            }
            if let before, before != seen { changed.append(project.name) }
        }
        for name in changed { enqueue(.project(name)) }
        if !changed.isEmpty {
            logger.info("\(changed.count) project repos changed", metadata: ["projects": "\(changed.joined(separator: ","))"])
        }
        // As often as the config repo is polled by its setting (`--interval` speeds up the config poll only).
        return .requeue(after: seconds(min(settings.intervals.configRepo, settings.intervals.githubSync)))
    }

    /// Server sync and provisioning when `intervals.serverSync` is due; a server whose status changed enqueues the
    /// projects placed on it and every project not active (one may have waited for that server).
    private func reconcileServerSync() async throws -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        guard let lifecycle = reconciler.servers else { return .done }
        _ = try await lifecycle.run(settings: loaded.desired.settings)
        let records = try await reconciler.store.servers()
        let statuses = Dictionary(records.map { ($0.name, $0.status.rawValue) }, uniquingKeysWith: { a, _ in a })
        let changed: Set<String> = lock.withLock {
            defer { state.serverStatus = statuses }
            let changed = Set(statuses.keys.filter { state.serverStatus[$0] != statuses[$0] })
                .union(state.serverStatus.keys.filter { statuses[$0] == nil })
            if !changed.isEmpty { state.serverGeneration += 1 }
            return state.serverStatus.isEmpty ? [] : changed
        }
        if !changed.isEmpty {
            for record in try await reconciler.store.projects(withDetails: false)
            where record.phase != .active || record.server.map(changed.contains) == true {
                enqueue(.project(record.name))
            }
        }
        return .requeue(after: seconds(loaded.desired.settings.intervals.serverSync))
    }

    /// A health round when `intervals.healthCheck` is due (at once after a repair); each project whose app is down
    /// is enqueued (the planner repairs it with a deploy).
    private func reconcileHealth() async throws -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        let settings = loaded.desired.settings
        let force = lock.withLock {
            defer { state.forceHealth = false }
            return state.forceHealth
        }
        await reconciler.checkHealth(settings, force: force)
        if let checker = try reconciler.makeHealthChecker(settings) {
            for check in try await checker.store.healthChecks() where check.downSince != nil {
                enqueue(.project(check.project))
            }
        }
        return .requeue(after: seconds(settings.intervals.healthCheck))
    }

    /// Every project and server key again, as the safety net under the events: a project whose in-memory inputs
    /// (`fingerprint(_:)`) are those of its last reconcile that found nothing to do is skipped, except in every sixth
    /// resync, which reconciles every key whatever the fingerprints say.
    private func resync() async throws -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        try await noticeExternalWrites()
        let full: Bool = lock.withLock {
            state.resyncs += 1
            return state.resyncs % 6 == 0
        }
        var skipped = 0
        for project in loaded.desired.projects {
            if !full, let fingerprint = fingerprint(project.name), lock.withLock({ state.settled[project.name] }) == fingerprint {
                skipped += 1
                continue
            }
            enqueueOwned(.project(project.name))
        }
        for server in loaded.desired.servers { enqueueOwned(.server(server.name)) }
        logger.debug("resync", metadata: [
            "projects": "\(loaded.desired.projects.count)", "unchanged_skipped": "\(skipped)", "full": "\(full)",
            "servers": "\(loaded.desired.servers.count)",
        ])
        return .requeue(after: seconds(loaded.desired.settings.intervals.resync))
    }

    /// With `intervals.driftCheck`: marks every project due for a drift check and enqueues it; without, looks again at
    /// the next config poll's pace (the setting may come with a new commit).
    private func driftRound() -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        guard let interval = loaded.desired.settings.intervals.driftCheck, interval > 0 else { return .requeue(after: configInterval) }
        let names = loaded.desired.projects.map(\.name).filter { options.membership?.owns(.project($0)) ?? true }
        lock.withLock { state.driftDue.formUnion(names) }
        for name in names { queue.add(.project(name)) }
        logger.info("drift round: \(names.count) projects due for a check", metadata: ["action": "drift_round"])
        return .requeue(after: seconds(interval))
    }

    /// The drift check of a project due for one, with its key held (never beside a deploy of it): a drifted project
    /// is enqueued again, so with selfHeal its next reconcile redeploys it. A check that cannot run is logged; the
    /// next round tries again.
    private func checkDriftIfDue(_ name: String, loaded: LoadedConfig) async {
        guard lock.withLock({ state.driftDue.remove(name) != nil }) else { return }
        do {
            if try await reconciler.checkDrift(name, loaded: loaded, coordinator: deploys)?.status == .drifted {
                queue.add(.project(name))
            }
        } catch {
            logger.warning("project/\(name): drift check not run: \(error)", metadata: ["project": "\(name)", "action": "drift_check"])
        }
    }

    /// A project or server, at most `concurrency` at once.
    private func reconcileObject(_ key: ObjectKey) async throws -> WorkOutcome {
        guard let loaded else { return .requeue(after: .seconds(1)) }
        await takeSlot()
        let fingerprint = key.project.flatMap(fingerprint(_:))
        let result: Result<KeyReport, any Error>
        do {
            switch key {
            case .project(let name):
                if options.membership != nil {
                    // Holding the key, no other process deploys the project: a run still `running` is a dead replica's.
                    for run in try await reconciler.store.recoverInterruptedRuns(
                        at: reconciler.now(), matching: InterruptedRunFilter(onlyProject: name)) {
                        logger.warning("run interrupted: the replica that ran it is gone; it will be redone if still needed",
                            metadata: ["project": "\(name)", "run": "\(run.id ?? 0)", "action": "\(run.kind)"])
                    }
                }
                let report = try await reconciler.reconcileProject(name, loaded: loaded, deploys: deploys)
                if report.actions.isEmpty, report.failures.isEmpty { await checkDriftIfDue(name, loaded: loaded) }
                result = .success(report)
            case .server(let name):
                let report = try await reconciler.reconcileServers([name], loaded: loaded)
                if !report.actions.isEmpty, let lifecycle = reconciler.servers {
                    _ = try await lifecycle.run(settings: loaded.desired.settings, force: true)
                }
                result = .success(report)
            default:
                result = .success(KeyReport())
            }
        } catch {
            result = .failure(error)
        }
        releaseSlot()
        if let name = key.project {
            // Converged with these inputs: a resync may skip it until one of them changes.
            let settled = (try? result.get()).map { $0.actions.isEmpty && $0.failures.isEmpty && $0.pending.isEmpty } ?? false
            lock.withLock { state.settled[name] = settled ? fingerprint : nil }
        }
        let report = try result.get()
        if report.repaired {
            lock.withLock { state.forceHealth = true }
            enqueue(.health)
        }
        if let failure = report.failures.first { return .failed(failure) }
        let streak: Int = lock.withLock {
            let streak = report.progressed ? state.progressStreak[key, default: 0] + 1 : 0
            state.progressStreak[key] = streak == 0 ? nil : streak
            return streak
        }
        if streak > 0, streak <= options.progressLimit { return .requeue(after: .zero) }
        return report.pending.isEmpty ? .done : .requeue(after: configInterval)
    }

    // MARK: Object slots (`concurrency`)

    private func takeSlot() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.withLock {
                if state.slotsInUse < state.objectSlots {
                    state.slotsInUse += 1
                    return true
                }
                state.slotWaiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private func releaseSlot() {
        lock.withLock { state.slotsInUse -= 1 }
        releaseSlots()
    }

    /// Hands free slots to waiting keys (also after `concurrency` grew).
    private func releaseSlots() {
        let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
            var ready: [CheckedContinuation<Void, Never>] = []
            while state.slotsInUse < state.objectSlots, !state.slotWaiters.isEmpty {
                state.slotsInUse += 1
                ready.append(state.slotWaiters.removeFirst())
            }
            return ready
        }
        ready.forEach { $0.resume() }
    }

    // MARK: Status

    /// The last project and server reconciles, and failures of any key, newest first (the dashboard's overview).
    public func recentReconciles() -> [RecentReconcile] { lock.withLock { state.recent.reversed() } }

    /// What `steward status` shows: the queue, the keys in flight, the keys in backoff.
    public func status() -> ControllerStatus {
        let snapshot = queue.snapshot()
        let clockNow = ContinuousClock.now
        let now = Date()
        let (inFlight, loaded, polls, reconciles, failures) = lock.withLock {
            (state.inFlight, state.loaded, state.polls, state.reconciles, state.failures)
        }
        return ControllerStatus(
            holder: leases?.holder.description, pid: getpid(), startedAt: startedAt, updatedAt: now,
            commit: loaded?.revision.commit, polls: polls, reconciles: reconciles, failures: failures,
            queued: snapshot.queued.map(\.description),
            inFlight: inFlight.sorted { $0.key < $1.key }.map { ControllerStatus.InFlight(key: $0.key.description, since: $0.value) },
            waiting: snapshot.waiting.sorted { $0.key < $1.key }.map { waiting in
                ControllerStatus.Waiting(
                    key: waiting.key.description,
                    nextAttempt: now.addingTimeInterval(Double(ms(waiting.readyAt - clockNow)) / 1000),
                    failures: waiting.failures, lastError: waiting.lastError)
            },
            shuttingDown: snapshot.isShuttingDown)
    }

    /// Whether no project or server key is queued, processing or due within `soon` (what a config poll enqueued has
    /// settled; the singletons poll on).
    public func isIdle(soon: Duration = .milliseconds(50)) -> Bool {
        let snapshot = queue.snapshot()
        let horizon = ContinuousClock.now + soon
        return !snapshot.queued.contains(where: \.isObject) && !snapshot.processing.contains(where: \.isObject)
            && !snapshot.waiting.contains { $0.key.isObject && $0.readyAt <= horizon }
    }
}

/// One finished reconcile of a key, as the dashboard lists it.
public struct RecentReconcile: Sendable, Hashable {
    public var key: String
    /// `done`, `requeue`, `failed` or `terminal` (the `result` label of `steward_reconcile_total`).
    public var result: String
    public var durationMs: Int
    public var finishedAt: Date
    /// Why it failed (first line).
    public var error: String?
}

/// The controller as `steward status` shows it, written to `STATE/controller.json` while it runs.
public struct ControllerStatus: Codable, Sendable, Equatable {
    public struct InFlight: Codable, Sendable, Equatable {
        public var key: String
        public var since: Date
    }

    public struct Waiting: Codable, Sendable, Equatable {
        public var key: String
        public var nextAttempt: Date
        /// Failures in a row: 0 for a key that only waits for its next poll.
        public var failures: Int
        public var lastError: String?
    }

    public var holder: String?
    public var pid: Int32
    public var startedAt: Date
    public var updatedAt: Date
    public var commit: String?
    public var polls: Int
    public var reconciles: Int
    public var failures: Int
    public var queued: [String]
    public var inFlight: [InFlight]
    public var waiting: [Waiting]
    public var shuttingDown: Bool
    /// The address its HTTP server listens on (`/metrics`, webhooks), once it does.
    public var listen: String?
}
