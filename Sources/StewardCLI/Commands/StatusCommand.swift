import ArgumentParser
import Foundation
import StewardCore
import StewardStore

/// `steward status`: whether a controller runs on this state dir, and what it does (the queue, the keys in flight,
/// the keys in backoff). Read-only: it never waits for the controller.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show whether `steward run` runs on this state dir: pid, since, queue depth, keys in flight and in backoff.",
        discussion: """
            A controller counts as running only while its lease is renewed and its process is alive. Exit code 0 while \
            one runs, 3 when none does, 1 on errors.
            """)

    @Option(name: [.customShort("o"), .long], help: "text or json.")
    var output: LogsCommand.Output = .text

    @OptionGroup var global: GlobalOptions

    /// What `-o json` prints.
    struct Report: Codable {
        var running: Bool
        var stateDirectory: String
        /// Who holds the state dir: `steward run`, or a one-shot command acting alone.
        var holder: String?
        var since: Date?
        var leaseExpiresAt: Date?
        var controller: ControllerStatus?
    }

    func run() async throws {
        let wiring = Wiring(global)
        let store = try wiring.openStore(readOnly: true)
        let now = Date()
        let file = ControllerStatusFile(stateDirectory: global.stateDirectory).read()
        // The controller's lease, or on a database several replicas share, this state dir's replica's membership.
        let lease = try await store.leases().first {
            ($0.key == ObjectKey.controllerLease || ($0.key.hasPrefix(ReplicaMembership.keyPrefix) && $0.holder == file?.holder))
                && $0.expiresAt > now && !LeaseHolder.isGone($0.holder)
        }
        let holder = lease.flatMap { LeaseHolder($0.holder) }
        // The file is the controller's only when the live lease is: a file left by a controller killed with -9 says
        // nothing.
        let controller = holder?.isController == true && file?.holder == lease?.holder ? file : nil
        let report = Report(
            running: holder?.isController == true, stateDirectory: global.stateDirectory.path, holder: lease?.holder,
            since: lease?.acquiredAt, leaseExpiresAt: lease?.expiresAt, controller: controller)
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        case .text:
            print(Self.text(report, lease: lease, now: now))
        }
        if !report.running { throw ExitCode(3) }
    }

    static func text(_ report: Report, lease: Lease?, now: Date) -> String {
        guard report.running, let lease else {
            if let lease { return "no controller runs on \(report.stateDirectory); \(LeaseHolder.describe(lease)) acts on it alone" }
            return "no controller runs on \(report.stateDirectory)"
        }
        var lines = ["controller: running, \(LeaseHolder.describe(lease))"]
        guard let status = report.controller else {
            lines.append("(its status file is not written yet)")
            return lines.joined(separator: "\n")
        }
        lines.append("config: \(status.commit.map { String($0.prefix(12)) } ?? "not loaded yet"), \(status.polls) polls, "
            + "\(status.reconciles) reconciles, \(status.failures) failed")
        lines.append("http: \(status.listen.map { "http://\($0)/metrics, /healthz, /readyz, /hooks/github" } ?? "not listening yet")")
        let backoff = status.waiting.filter { $0.failures > 0 }
        lines.append("queue: \(status.queued.count) queued, \(status.inFlight.count) in flight, \(backoff.count) in backoff, "
            + "\(status.waiting.count - backoff.count) waiting for their next poll" + (status.shuttingDown ? " (stopping)" : ""))
        if !status.inFlight.isEmpty {
            lines.append("in flight:")
            for item in status.inFlight {
                lines.append("  \(item.key)  for \(Self.seconds(now.timeIntervalSince(item.since)))")
            }
        }
        if !backoff.isEmpty {
            lines.append("backoff:")
            for item in backoff {
                lines.append("  \(item.key)  next attempt in \(Self.seconds(item.nextAttempt.timeIntervalSince(now))) "
                    + "(\(item.failures) failure\(item.failures == 1 ? "" : "s") in a row)"
                    + (item.lastError.map { ": \($0.firstLine())".escapingControlCharacters() } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func seconds(_ interval: TimeInterval) -> String { "\(max(0, Int(interval.rounded())))s" }
}
