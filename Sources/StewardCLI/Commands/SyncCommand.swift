import ArgumentParser
import Foundation
import Logging
import StewardCore
import StewardModel
import StewardStore

/// `steward sync github|forge|servers|health --once`: the github_sync heartbeat, server_sync + provisioning, or
/// one health_checker round.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync the forge's repositories, check and provision the servers, or check the health of every "
            + "active project, once.",
        discussion: """
            `github` requires forge.provider github in steward.yaml; `forge` syncs whichever forge is configured.
            `servers` checks every registered server (host key, reachability, facts, deploy markers) and provisions
            those that need it, whatever intervals.serverSync says; `--reprovision NAME` provisions NAME again.
            Servers are registered by `steward reconcile` from their manifests.
            Exit codes: 0 synced; 2 the listing failed or a server is unreachable or failed (transient: counted,
            alerted after N in a row); 1 errors.
            `health` GETs every active project's healthPath once, whatever intervals.healthCheck says; N failures
            in a row (thresholds.serviceDownAfter) open a service_down incident, a success resolves it.
            Exit codes: 0 every checked project is healthy; 2 some failed; 1 errors.
            """)

    /// Which forge the user asks for.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case github
        case forge
        case servers
        case health
    }

    @Argument(help: "github, forge, servers or health")
    var target: Target

    @Option(help: "servers: provision this server again (attempts reset); repeatable.")
    var reprovision: [String] = []

    @Flag(help: "Run one sync and exit.")
    var once = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard once else { throw ValidationError("pass --once (the heartbeats run periodically inside `steward run`)") }
        if target != .servers, !reprovision.isEmpty { throw ValidationError("--reprovision goes with `sync servers`") }
    }

    func run() async throws {
        let wiring = Wiring(global)
        let store = try wiring.openStore()
        let access = try await StateAccess.oneShot("sync", store: store, logger: wiring.logger)
        // Beside `steward run`, the controller's own poll of this source waits until this sync ends.
        if !access.isAlone {
            let key: ObjectKey = switch target {
            case .health: .health
            case .servers: .servers
            case .github, .forge: .forge
            }
            try await access.leases.acquire([key.description], logger: wiring.logger)
        }
        let result = await Result(catching: { try await sync(wiring: wiring, store: store) })
        await access.release()
        try result.get()
    }

    private func sync(wiring: Wiring, store: SQLStateStore) async throws {
        let source = try wiring.configSource()
        let revision = try await source.update()
        let library = try? wiring.playbooks()
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library?.playbooks ?? []).load(revision)
        let settings = loaded.desired.settings
        if target == .health {
            try await checkHealth(store: store, settings: settings, logger: wiring.logger)
            return
        }
        if target == .servers {
            return try await syncServers(wiring: wiring, store: store, settings: settings)
        }
        if target == .github, settings.forge.provider != .github {
            throw CommandFailure("steward.yaml has forge.provider \(settings.forge.provider.rawValue); use `steward sync forge --once`")
        }
        guard let (forge, owners) = try Wiring.makeForge(stateDirectory: global.stateDirectory, logger: wiring.logger)(settings) else {
            return
        }
        let sync = ForgeSync(
            forge: forge, store: store, alertThreshold: settings.thresholds.syncFailuresBeforeAlert, logger: wiring.logger)
        var failed = false
        for owner in owners {
            let report = try await sync.sync(owner: owner)
            if let error = report.listingError {
                failed = true
                print("\(owner): listing failed (transient): \(error)")
                continue
            }
            print("\(owner): \(report.repositories) repos in \(report.pages) pages (\(report.notModifiedPages) unchanged); "
                + "discovered \(report.discovered.count), linked \(report.linked.count), renamed \(report.renamed.count), "
                + "archived \(report.archived.count), missing \(report.missing.count), back \(report.reappeared.count), "
                + "uncertain \(report.uncertain.count)")
        }
        if failed { throw ExitCode(2) }
    }

    /// One health_checker round; one line per project that is not plainly healthy, then a summary.
    private func checkHealth(store: SQLStateStore, settings: Settings, logger: Logger) async throws {
        let checker = try Wiring.makeHealthChecker(store: store, logger: logger)(settings)
        guard let report = try await checker?.run() else { return }
        let rows = Dictionary(try await store.healthChecks().map { ($0.project, $0) }, uniquingKeysWith: { first, _ in first })
        func detail(_ name: String) -> String {
            guard let row = rows[name] else { return "" }
            return "\(row.url): \(row.lastError ?? "-") (\(row.consecutiveFailures) failed in a row)"
        }
        for name in report.wentDown { print("\(name): DOWN, incident service_down opened: \(detail(name))") }
        for name in report.stillDown { print("\(name): still down: \(detail(name))") }
        for name in report.failing { print("\(name): failed, \(settings.thresholds.serviceDownAfter) in a row open an incident: \(detail(name))") }
        for name in report.recovered { print("\(name): recovered, incident service_down resolved") }
        for name in report.stopped { print("\(name): no longer checked (deleted or not active)") }
        for (name, why) in report.skipped.sorted(by: { $0.key < $1.key }) { print("\(name): not checked: \(why)") }
        print("health: \(report.checked.count) checked, \(report.healthy.count) healthy, \(report.failing.count) failing, "
            + "\(report.wentDown.count + report.stillDown.count) down, \(report.recovered.count) recovered "
            + "in \(report.duration.components.seconds * 1000 + report.duration.components.attoseconds / 1_000_000_000_000_000) ms")
        if report.healthy.count < report.checked.count { throw ExitCode(2) }
    }

    /// server_sync then provisioning, forced; one line per server.
    private func syncServers(wiring: Wiring, store: SQLStateStore, settings: Settings) async throws {
        let library = try wiring.playbooks()
        let known = Set(try await store.servers().map(\.name))
        for name in reprovision where !known.contains(name) {
            throw CommandFailure("no server named \(name) is registered; run `steward reconcile --once` first")
        }
        guard let (synced, provisioned) = try await wiring.serverLifecycle(store: store, library: library)
            .run(settings: settings, force: true, reprovision: Set(reprovision))
        else { return }
        for server in try await store.servers() where !server.orphaned {
            var line = "\(server.name): \(server.status.rawValue)"
            if synced.unreachable.contains(server.name) { line += ", unreachable (\(server.failCount) in a row)" }
            if synced.hostKeyChanged.contains(server.name) { line += ", host key changed" }
            if synced.trusted.contains(server.name) { line += ", host key trusted on first use" }
            if let duration = provisioned.durations[server.name] {
                line += provisioned.failed.contains(server.name) ? ", provisioning failed" : ", provisioned"
                line += " in \(ServerSync.milliseconds(duration)) ms"
            }
            if provisioned.waiting.contains(server.name) { line += ", provisioning attempts exhausted" }
            print(line)
        }
        print("facts gathered in \(ServerSync.milliseconds(synced.factsDuration)) ms")
        if !synced.unreachable.isEmpty || !synced.hostKeyChanged.isEmpty || !provisioned.failed.isEmpty {
            throw ExitCode(2)
        }
    }
}
