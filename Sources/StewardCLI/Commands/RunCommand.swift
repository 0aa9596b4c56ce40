import ArgumentParser
import CMalloc
import Dispatch
import Foundation
import Logging
import ServiceLifecycle
import StewardAgents
import StewardCore
import StewardModel
import StewardServer
import StewardStore

/// `steward run`: the controller (docs/ARCHITECTURE.md §4). Holds the state dir's `controller` lease (a second one is
/// refused), recovers what a crash left, and runs the work queue: the config poll enqueues the projects whose
/// manifests changed, the forge, server and health polls enqueue the projects they find changed, a resync enqueues
/// every key; workers reconcile one key each. SIGTERM/SIGINT stop taking keys and let the work in progress finish
/// within `shutdownGrace` (a second one ends it at once); SIGHUP fetches the config repo now.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller: a work queue of projects and servers fed by the config repo, forge, server and health polls.",
        discussion: """
            Exit code 0 after a graceful stop; 1 when another `steward run` controls the state dir or the controller \
            lost its lease. `steward status` shows what it does; `steward logs -f` follows it.
            """)

    @Option(help: ArgumentHelp(
        "Seconds between two polls of the config repo (0: back to back).",
        discussion: "Default: intervals.configRepo of steward.yaml (60 s unless set), read again from every new commit."))
    var interval: Int?

    @Option(help: ArgumentHelp(
        "Stop (gracefully) once this many config polls have finished and the keys they enqueued have settled.",
        discussion: "Default: run until SIGTERM/SIGINT. `--max-passes 1` reconciles everything once, as a pass does."))
    var maxPasses: Int?

    @Option(help: ArgumentHelp(
        "Address of the HTTP server (/metrics, /healthz, /readyz, /hooks/github): HOST:PORT; port 0 takes a free one.",
        discussion: "Default: http.listen of steward.yaml (127.0.0.1:9477 unless set).", valueName: "host:port"))
    var listen: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let interval, interval < 0 { throw ValidationError("--interval must be 0 seconds or more") }
        if let maxPasses, maxPasses < 1 { throw ValidationError("--max-passes must be at least 1") }
    }

    func run() async throws {
        let wiring = Wiring(global)
        let logger = wiring.logger
        if wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        let library = try wiring.playbooks()
        let stop = StopRequest()
        let sources = stop.listen(to: [SIGTERM, SIGINT, SIGHUP])
        defer { sources.forEach { $0.cancel() } }
        let listenFlag = try listen.map { text in
            guard let address = ListenAddress(text) else {
                throw ValidationError("--listen must be HOST:PORT (127.0.0.1:9477, [::1]:9477; port 0 takes a free one), not \(text)")
            }
            return address
        }

        // One controller per SQLite state dir: a second `steward run` is refused, naming the first. On PostgreSQL every
        // `steward run` is a replica sharing the keys (each with a state dir of its own). Either waits for a one-shot
        // command acting alone.
        let store = try wiring.openStore()
        // Mapped database pages would stay in the controller's resident memory for as long as it runs.
        try await store.limitMemoryMap(toBytes: SQLStateStore.controllerMemoryMapBytes)
        let access: StateAccess
        let membership: ReplicaMembership?
        if store.dialect == .postgres {
            try Self.lockStateDirectory(global.stateDirectory)
            let replica = try await StateAccess.replica(store: store, logger: logger)
            access = replica.0
            membership = replica.1
        } else {
            access = try await StateAccess.controller(store: store, logger: logger)
            membership = nil
        }
        // Under the lease and before any worker: what a crash left running is interrupted (and redone when still
        // needed), except the work of a one-shot command or another replica that still runs beside this controller.
        let dead = try await access.runsOfTheDead()
        for run in try await store.recoverInterruptedRuns(at: Date(), matching: dead) {
            logger.warning("run interrupted by a crash; it will be redone if still needed", metadata: [
                "project": "\(run.project ?? "-")", "run": "\(run.id ?? 0)", "action": "\(run.kind)",
            ])
        }
        // Alone, a thread lease can only be a dead process's; beside other replicas it may be theirs (it expires).
        if dead.excludingProjects.isEmpty, membership == nil {
            try await SQLCheckpointer(store: store).releaseStaleLeases(threadPrefix: "project/")
        }

        let metrics = StewardMetrics(version: StewardVersion.current)
        Wiring.githubRequests.observe { event in
            metrics.githubRequest(code: event.status, cached: event.notModified, rateLimitRemaining: event.rateLimitRemaining)
        }
        let source = try wiring.configSource(fetching: true)
        var options = Controller.Options(configInterval: interval)
        // Polls allocate and free in bursts (SQLite caches, parsed manifests): give freed memory back, so the
        // controller's RSS is what it uses, not the high-water mark of its busiest moment.
        options.afterPoll = { malloc_trim(0) }
        options.metrics = metrics
        options.membership = membership
        var reconciler = wiring.reconciler(store: store, source: source, library: library)
        reconciler.runner = MeasuredPlaybookRunner(reconciler.runner, metrics: metrics)
        if let servers = reconciler.servers {
            reconciler.servers?.runner = MeasuredPlaybookRunner(servers.runner, metrics: metrics)
        }
        let controller = Controller(reconciler: reconciler, leases: access.leases, options: options)
        access.leases.startHeartbeat(logger: logger) { key, holder in
            if key == ObjectKey.controllerLease {
                logger.critical("lost the controller lease (now: \(holder)); stopping at once")
                stop.loseLease()
            } else if key == membership?.key {
                logger.error("lost this replica's membership lease (now: \(holder)); taking it again", metadata: ["key": "\(key)"])
            } else {
                logger.error("lost the lease on \(key) (now: \(holder))", metadata: ["key": "\(key)"])
            }
        }
        stop.onHangUp = {
            logger.info("SIGHUP: fetching the config repo now", metadata: ["signal": "\(SIGHUP)"])
            controller.fetchNow()
        }

        // The services of the controller (docs/ARCHITECTURE.md §4): shut down in reverse order, so the workers drain
        // first while the HTTP server still answers, notifications are still sent and the status file is still written.
        let statusFile = ControllerStatusFile(stateDirectory: global.stateDirectory)
        let listening = ListeningAddress()
        let workers = ControllerService(controller: controller, stop: stop, logger: logger)
        let http = HTTPService(
            controller: controller, store: store, metrics: metrics, flag: listenFlag, listening: listening,
            configRepository: GitHubWebhook.repositoryName(ofURL: try global.resolvedConfigRepo()), configBranch: global.ref,
            stateDirectory: global.stateDirectory, logger: logger)
        let notifications = NotificationService(sender: try NotificationSender(
            store: store, metrics: metrics, logger: logger,
            receivers: { controller.loaded?.desired.settings.notifications ?? [] }),
            // Of several replicas, one sends: the owner of `notifications` on the ring.
            isActive: { membership.map { $0.current.owner(of: "notifications") == $0.me } ?? true })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: StatusFileService(controller: controller, file: statusFile, listening: listening)),
                .init(service: notifications),
                .init(service: http, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: workers, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup),
            ],
            logger: Logger(label: "steward.services") { _ in SwiftLogNoOpLogHandler() }))
        stop.onStop = { Task { await group.triggerGracefulShutdown() } }
        if stop.isRequested { await group.triggerGracefulShutdown() }
        logger.info("controller started", metadata: [
            "interval_s": "\(interval.map(String.init) ?? "intervals.configRepo")", "state_dir": "\(global.stateDirectory.path)",
            "pid": "\(getpid())",
        ])
        let passes = Task { [maxPasses] in
            guard let maxPasses else { return }
            while !stop.isRequested, !Task.isCancelled {
                if controller.polls >= maxPasses, controller.isIdle() {
                    stop.requestStop()
                    return
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        var failure: (any Error)?
        do {
            try await group.run()
        } catch {
            failure = error
        }
        passes.cancel()
        var last = controller.status()
        last.listen = listening.value?.description
        statusFile.write(last)
        await access.release()
        statusFile.remove()
        if stop.lostLease { throw ExitCode(1) }
        if let failure {
            logger.error("controller stopped: \(failure)")
            throw ExitCode(1)
        }
        logger.info(workers.finishedInTime ? "controller stopped" : "controller stopped; work in progress was ended and is redone on the next start",
            metadata: ["polls": "\(controller.polls)", "signal": "\(stop.signal.map(String.init) ?? "-")"])
    }
}

/// The workers of the controller: on a graceful shutdown they take no new key and let the keys in flight finish
/// within `shutdownGrace` (at once after a second signal or a lost lease), then end what still runs.
final class ControllerService: Service, @unchecked Sendable {
    let controller: Controller
    let stop: StopRequest
    let logger: Logger
    private let lock = NSLock()
    private var inTime = true

    init(controller: Controller, stop: StopRequest, logger: Logger) {
        self.controller = controller
        self.stop = stop
        self.logger = logger
    }

    /// Whether the work in progress finished within the grace.
    var finishedInTime: Bool { lock.withLock { inTime } }

    func run() async {
        let workers = Task { await controller.run() }
        // Returns on the group's graceful shutdown; throws when the group is cancelled (then nothing waits).
        let cancelled = (try? await gracefulShutdown()) == nil
        let stop = self.stop
        let grace = stop.isImmediate || cancelled
            ? .zero : Duration.seconds(controller.loaded?.desired.settings.shutdownGrace ?? Settings().shutdownGrace)
        let inFlight = controller.status().inFlight
        logger.info("stopping: no new keys; waiting up to \(grace.components.seconds) s for \(inFlight.count) in flight", metadata: [
            "in_flight": "\(inFlight.map(\.key).joined(separator: ","))", "signal": "\(stop.signal.map(String.init) ?? "-")",
        ])
        let finished = await controller.shutDown(grace: grace, cancelling: workers) { stop.isImmediate }
        await workers.value
        lock.withLock { inTime = finished }
    }
}

/// Rewrites `STATE/controller.json` every second until the group shuts it down (after the workers).
struct StatusFileService: Service {
    let controller: Controller
    let file: ControllerStatusFile
    let listening: ListeningAddress

    func run() async {
        try? await cancelWhenGracefulShutdown {
            while true {
                var status = controller.status()
                status.listen = listening.value?.description
                file.write(status)
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Sends the notification outbox every second; shut down after the workers and the HTTP server, it sends what
/// their last work announced once more before it ends.
extension RunCommand {
    /// Replicas share the database, not their state dirs (the config repo's cache, mirrors, local apps): an exclusive
    /// `flock` on `STATE/run.lock`, held until the process ends, refuses a second `steward run` on the same state dir.
    /// - Throws: `CommandFailure` naming the state dir when another process holds it.
    static func lockStateDirectory(_ directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("run.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CommandFailure("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw CommandFailure("another steward run uses the state dir \(directory.path): each replica needs a state dir "
                + "of its own (--state-dir); they share the database")
        }
        // Kept open (and locked) for the life of the process.
    }
}

struct NotificationService: Service {
    let sender: NotificationSender
    var isActive: @Sendable () -> Bool = { true }

    func run() async {
        await sender.run(until: { Task.isShuttingDownGracefully }, isActive: isActive)
    }
}

/// The address the HTTP server listens on, once it does.
final class ListeningAddress: @unchecked Sendable {
    private let lock = NSLock()
    private var address: ListenAddress?

    var value: ListenAddress? {
        get { lock.withLock { address } }
        set { lock.withLock { address = newValue } }
    }
}

/// The HTTP server (docs/ARCHITECTURE.md §10), started once the first config revision is loaded: its address comes
/// from `--listen` or `http.listen`, its token from `http.tokenFile`, the webhook secret from `webhooks.github`.
/// A failure to listen stops the controller (exit 1).
struct HTTPService: Service {
    let controller: Controller
    let store: SQLStateStore
    let metrics: StewardMetrics
    let flag: ListenAddress?
    let listening: ListeningAddress
    let configRepository: String?
    let configBranch: String
    let stateDirectory: URL
    let logger: Logger

    func run() async throws {
        var loaded = controller.loaded
        while loaded == nil {
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            try? await Task.sleep(for: .milliseconds(50))
            loaded = controller.loaded
        }
        let settings = loaded!.desired.settings
        guard let address = flag ?? ListenAddress(settings.http.listen) else {
            throw CommandFailure("http.listen \(settings.http.listen) is not HOST:PORT")
        }
        let token = try settings.http.tokenFile.map { path in
            try Self.readSecretFile(path, what: "http.tokenFile")
        }
        if !address.isLoopback, token == nil {
            throw CommandFailure("the HTTP server would listen on \(address), which other computers can reach, without a token: "
                + "set http.tokenFile in steward.yaml (a file holding the bearer token /metrics requires), or listen on 127.0.0.1")
        }
        var options = ControllerHTTPServer.Options(address: address, configBranch: configBranch)
        options.token = token
        options.configRepository = configRepository
        options.webhookSecret = webhookSecret(settings.webhooks.github)
        options.version = StewardVersion.current
        // The API reads through a read-only connection of its own (WAL: never waiting for the controller's writes).
        let apiStore = try SQLStateStore(store.storeLocation, readOnly: true)
        var server = ControllerHTTPServer(
            options: options, controller: controller, store: store, apiStore: apiStore, metrics: metrics, logger: logger)
        let checkpointer = SQLCheckpointer(store: apiStore)
        server.agentThreads = { project, generation in
            try await ProjectThreadStatus.read(checkpointer: checkpointer, project: project, generation: generation).map {
                AgentThreadSummary(thread: $0.thread, status: $0.status, question: $0.question, step: $0.step, outcome: $0.outcome)
            }
        }
        let app = server.application { [listening, logger] bound in
            listening.value = bound
            logger.info("http server listening on \(bound): the dashboard, /metrics, /healthz, /readyz, /hooks/github, /api/v1", metadata: [
                "listen": "\(bound)",
            ])
        }
        do {
            try await app.run()
        } catch {
            throw CommandFailure("the HTTP server cannot listen on \(address): \(error); set http.listen in steward.yaml or --listen")
        }
    }

    /// The GitHub webhook secret, or nil (the route then answers 503) with a warning naming what is missing.
    private func webhookSecret(_ github: Settings.Webhooks.GitHub) -> String? {
        if let path = github.secretFile {
            do {
                return try Self.readSecretFile(path, what: "webhooks.github.secretFile")
            } catch {
                logger.error("\(error); /hooks/github answers 503")
                return nil
            }
        }
        if let variable = github.secretEnv {
            if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty { return value }
            logger.error("webhooks.github.secretEnv names \(variable), which is not set in the environment; /hooks/github answers 503")
        }
        return nil
    }

    /// A secret file's content without surrounding whitespace; an error names the file, never the content.
    static func readSecretFile(_ path: String, what: String) throws -> String {
        let expanded = NSString(string: path).expandingTildeInPath
        guard let data = FileManager.default.contents(atPath: expanded),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        else {
            throw CommandFailure("\(what) \(expanded) cannot be read or is empty")
        }
        return text
    }
}

/// The signals `steward run` acts on: the first SIGTERM/SIGINT asks for a graceful stop, a second one (or a lost
/// lease) for an immediate one; SIGHUP calls `onHangUp`.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var immediate = false
    private var lost = false
    private var requested = false
    private var hangUp: (@Sendable () -> Void)?
    private var stopHandler: (@Sendable () -> Void)?

    var onHangUp: (@Sendable () -> Void)? {
        get { lock.withLock { hangUp } }
        set { lock.withLock { hangUp = newValue } }
    }

    /// Takes `signals` from their default action and hands each to `receive(signal:)`; cancel the sources to stop.
    func listen(to signals: [Int32]) -> [any DispatchSourceSignal] {
        signals.map { number in
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { self.receive(signal: number) }
            source.resume()
            return source
        }
    }

    /// Called once a stop is asked for (the first signal, `--max-passes` reached, a lost lease).
    var onStop: (@Sendable () -> Void)? {
        get { lock.withLock { stopHandler } }
        set { lock.withLock { stopHandler = newValue } }
    }

    func receive(signal number: Int32) {
        if number == SIGHUP {
            onHangUp?()
            return
        }
        lock.withLock {
            if received == nil { received = number } else { immediate = true }
        }
        onStop?()
    }

    /// A graceful stop without a signal (`--max-passes` reached).
    func requestStop() {
        lock.withLock { requested = true }
        onStop?()
    }

    /// Stops at once: another controller holds the lease now.
    func loseLease() {
        lock.withLock {
            lost = true
            immediate = true
        }
        onStop?()
    }

    var lostLease: Bool { lock.withLock { lost } }
    var isRequested: Bool { lock.withLock { received != nil || immediate || requested } }
    var isImmediate: Bool { lock.withLock { immediate } }
    var signal: Int32? { lock.withLock { received } }

}

/// `STATE/controller.json`: what the running controller does, rewritten every second (atomically) for `steward
/// status`; removed on a graceful stop.
struct ControllerStatusFile: Sendable {
    let url: URL

    init(stateDirectory: URL) {
        url = stateDirectory.appendingPathComponent("controller.json")
    }

    func write(_ status: ControllerStatus) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(status) else { return }
        try? data.write(to: url, options: .atomic)
    }

    func read() -> ControllerStatus? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return (try? Data(contentsOf: url)).flatMap { try? decoder.decode(ControllerStatus.self, from: $0) }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
