import ArgumentParser
import CMalloc
import Dispatch
import Foundation
import StewardCore
import StewardModel
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

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let interval, interval < 0 { throw ValidationError("--interval must be 0 seconds or more") }
        if let maxPasses, maxPasses < 1 { throw ValidationError("--max-passes must be at least 1") }
    }

    func run() async throws {
        let wiring = Wiring(global)
        let logger = wiring.logger
        if wiring.stateIsReadOnly { throw wiring.readOnlyStateFailure() }
        let library = try Wiring.locatePlaybooks()
        let stop = StopRequest()
        let sources = stop.listen(to: [SIGTERM, SIGINT, SIGHUP])
        defer { sources.forEach { $0.cancel() } }

        // One controller per state dir: a second `steward run` is refused, naming the first; a one-shot command
        // acting alone is waited for.
        let store = try wiring.openStore()
        let access = try await StateAccess.controller(store: store, stateDirectory: global.stateDirectory, logger: logger)
        // Under the lease and before any worker: what a crash left running is interrupted (and redone when still
        // needed), except the work of a one-shot command that still runs beside this controller.
        let busy = try await access.projectsHeldByOthers()
        for run in try await store.recoverInterruptedRuns(at: Date(), excludingProjects: busy) {
            logger.warning("run interrupted by a crash; it will be redone if still needed", metadata: [
                "project": "\(run.project ?? "-")", "run": "\(run.id ?? 0)", "action": "\(run.kind)",
            ])
        }
        if busy.isEmpty { try await SQLiteCheckpointer(store: store).releaseStaleLeases(threadPrefix: "project/") }

        let source = try wiring.configSource(fetching: true)
        var options = Controller.Options(configInterval: interval)
        // Polls allocate and free in bursts (SQLite caches, parsed manifests): give freed memory back, so the
        // controller's RSS is what it uses, not the high-water mark of its busiest moment.
        options.afterPoll = { malloc_trim(0) }
        let controller = Controller(
            reconciler: wiring.reconciler(store: store, source: source, library: library), leases: access.leases,
            options: options)
        access.leases.startHeartbeat(logger: logger) { key, holder in
            if key == ObjectKey.controllerLease {
                logger.critical("lost the controller lease (now: \(holder)); stopping at once")
                stop.loseLease()
            } else {
                logger.error("lost the lease on \(key) (now: \(holder))", metadata: ["key": "\(key)"])
            }
        }
        stop.onHangUp = {
            logger.info("SIGHUP: fetching the config repo now", metadata: ["signal": "\(SIGHUP)"])
            controller.fetchNow()
        }
        let statusFile = ControllerStatusFile(stateDirectory: global.stateDirectory)
        let workers = Task { await controller.run() }
        let status = Task {
            while !Task.isCancelled {
                statusFile.write(controller.status())
                try? await Task.sleep(for: .seconds(1))
            }
        }
        logger.info("controller started", metadata: [
            "interval_s": "\(interval.map(String.init) ?? "intervals.configRepo")", "state_dir": "\(global.stateDirectory.path)",
            "pid": "\(getpid())",
        ])

        while !stop.isRequested {
            if let maxPasses, controller.polls >= maxPasses, controller.isIdle() { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let grace = stop.isImmediate ? .zero : Duration.seconds(controller.loaded?.desired.settings.shutdownGrace ?? Settings().shutdownGrace)
        let inFlight = controller.status().inFlight
        logger.info("stopping: no new keys; waiting up to \(grace.components.seconds) s for \(inFlight.count) in flight", metadata: [
            "in_flight": "\(inFlight.map(\.key).joined(separator: ","))", "signal": "\(stop.signal.map(String.init) ?? "-")",
        ])
        let inTime = await controller.shutDown(grace: grace, cancelling: workers) { stop.isImmediate }
        await workers.value
        status.cancel()
        statusFile.write(controller.status())
        await access.release()
        statusFile.remove()
        if stop.lostLease { throw ExitCode(1) }
        logger.info(inTime ? "controller stopped" : "controller stopped; work in progress was ended and is redone on the next start",
            metadata: ["polls": "\(controller.polls)", "signal": "\(stop.signal.map(String.init) ?? "-")"])
    }
}

/// The signals `steward run` acts on: the first SIGTERM/SIGINT asks for a graceful stop, a second one (or a lost
/// lease) for an immediate one; SIGHUP calls `onHangUp`.
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var immediate = false
    private var lost = false
    private var hangUp: (@Sendable () -> Void)?

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

    func receive(signal number: Int32) {
        if number == SIGHUP {
            onHangUp?()
            return
        }
        lock.withLock {
            if received == nil { received = number } else { immediate = true }
        }
    }

    /// Stops at once: another controller holds the lease now.
    func loseLease() {
        lock.withLock {
            lost = true
            immediate = true
        }
    }

    var lostLease: Bool { lock.withLock { lost } }
    var isRequested: Bool { lock.withLock { received != nil || immediate } }
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
