import ArgumentParser
import CMalloc
import Dispatch
import Foundation
import StewardCore
import StewardModel

/// `steward run`: the controller. Holds the state dir's `controller` lease (a second one is refused), and reconciles
/// again and again; the heartbeats inside a pass (forge sync,
/// server sync and provisioning, health checks) run when their `intervals` are due. SIGTERM or SIGINT stop
/// it after the pass in progress (Ansible runs finish, nothing is left half-recorded). SIGHUP means "re-read
/// now": the next pass starts as soon as the one in progress ends (a terminal closing never kills a deploy).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the controller: reconcile continuously; heartbeats on their intervals; SIGTERM stops it gracefully.",
        discussion: "Each pass is what `reconcile --once` does. Exit code 0 after a graceful stop.")

    @Option(help: ArgumentHelp(
        "Seconds between the end of one pass and the start of the next (0: back to back).",
        discussion: "Default: intervals.configRepo of steward.yaml (60 s unless set), read again by every pass."))
    var interval: Int?

    @Option(help: "Stop after this many passes (default: run until SIGTERM/SIGINT).")
    var maxPasses: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let interval, interval < 0 { throw ValidationError("--interval must be 0 seconds or more") }
        if let maxPasses, maxPasses < 1 { throw ValidationError("--max-passes must be at least 1") }
    }

    func run() async throws {
        let logger = global.makeLogger()
        let stop = StopRequest()
        let sources = [SIGTERM, SIGINT, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if number == SIGHUP {
                    logger.info("SIGHUP: the next pass starts as soon as this one ends", metadata: ["signal": "\(number)"])
                    stop.wake()
                } else {
                    stop.request(signal: number)
                }
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }

        // One controller per state dir: a second `steward run` is refused, naming the first.
        let lease = ControllerLease(store: try Wiring(global).openStore())
        try await lease.acquire(stateDirectory: global.stateDirectory)
        lease.startHeartbeat(logger: logger) { holder in
            logger.critical("lost the controller lease (now: \(holder)); stopping without another pass")
            stop.loseLease()
        }

        var pass = 0
        // --interval overrides the setting; without it every pass's own intervals.configRepo decides.
        var wait = interval ?? Settings.Intervals().configRepo
        logger.info("controller started", metadata: [
            "interval_s": "\(interval.map(String.init) ?? "intervals.configRepo")", "state_dir": "\(global.stateDirectory.path)",
        ])
        while !stop.isRequested {
            pass += 1
            do {
                let report = try await ReconcileCommand.pass(global: global, dryRun: false, project: nil)
                wait = interval ?? report.configRepoInterval
                logger.info("pass \(pass) finished: \(report.outcome.rawValue)", metadata: [
                    "pass": "\(pass)", "result": "\(report.outcome.rawValue)", "playbook_runs": "\(report.playbookRuns)",
                    "next_in_s": "\(wait)", "rss_kb": "\((ResidentMemory.bytes() ?? 0) / 1024)",
                    "rss_anon_kb": "\((ResidentMemory.anonymousBytes() ?? 0) / 1024)",
                ])
            } catch {
                // A pass that cannot even start (config repo unreachable, store locked up) is retried next time.
                logger.error("pass \(pass) failed: \(error)", metadata: ["pass": "\(pass)"])
            }
            // A pass allocates and frees in bursts (SQLite connections and caches, parsed manifests): give the freed
            // memory back, so the controller's RSS is what it uses, not the high-water mark of its busiest pass.
            malloc_trim(0)
            if let maxPasses, pass >= maxPasses { break }
            // Sleep in short steps so a stop request (or SIGHUP's wake-up) is honoured within a fraction of a second.
            let deadline = ContinuousClock.now + .seconds(wait)
            while !stop.isRequested, !stop.takeWake(), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        await lease.release()
        if stop.lostLease { throw ExitCode(1) }
        if let number = stop.signal {
            logger.info("controller stopped by signal \(number) after \(pass) passes", metadata: ["passes": "\(pass)"])
        } else {
            logger.info("controller stopped after \(pass) passes", metadata: ["passes": "\(pass)"])
        }
    }
}

/// Set once by a signal handler, read by the loop; also carries SIGHUP's "start the next pass now".
final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var woken = false

    /// Asks the loop to end its wait before the next pass.
    func wake() { lock.withLock { woken = true } }

    /// Whether a wake-up was asked for since the last call (and clears it).
    func takeWake() -> Bool {
        lock.withLock {
            defer { woken = false }
            return woken
        }
    }

    private var lost = false

    /// Stops the loop because another controller holds the lease now.
    func loseLease() { lock.withLock { lost = true } }
    var lostLease: Bool { lock.withLock { lost } }

    var isRequested: Bool { lock.withLock { received != nil || lost } }
    var signal: Int32? { lock.withLock { received } }

    func request(signal number: Int32) {
        lock.withLock { if received == nil { received = number } }
    }
}
