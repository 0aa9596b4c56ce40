import ArgumentParser
import Foundation
import StewardCore
import StewardModel
import StewardStore

/// `steward sync github|forge|servers --once`: the github_sync heartbeat, or server_sync + provisioning, one pass.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync the forge's repositories, or check and provision the servers, once.",
        discussion: """
            `github` requires forge.provider github in steward.yaml; `forge` syncs whichever forge is configured.
            `servers` checks every registered server (host key, reachability, facts, deploy markers) and provisions
            those that need it, whatever intervals.serverSync says; `--reprovision NAME` provisions NAME again.
            Servers are registered by `steward reconcile` from their manifests.
            Exit codes: 0 synced; 2 the listing failed or a server is unreachable or failed (transient: counted,
            alerted after N in a row); 1 errors.
            """)

    /// Which forge the user asks for.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case github
        case forge
        case servers
    }

    @Argument(help: "github, forge or servers")
    var target: Target

    @Option(help: "servers: provision this server again (attempts reset); repeatable.")
    var reprovision: [String] = []

    @Flag(help: "Run one sync and exit.")
    var once = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard once else { throw ValidationError("pass --once: the periodic sync runs in `steward run`, not in this version") }
        if target != .servers, !reprovision.isEmpty { throw ValidationError("--reprovision goes with `sync servers`") }
    }

    func run() async throws {
        let wiring = Wiring(global)
        let lock = try StateLock(stateDirectory: global.stateDirectory, logger: wiring.logger)
        defer { withExtendedLifetime(lock) {} }
        let store = try wiring.openStore()
        let source = try wiring.configSource()
        let revision = try await source.update()
        let library = try? Wiring.locatePlaybooks()
        let loaded = try await ConfigLoader(source: source, store: store, builtinPlaybooks: library?.playbooks ?? []).load(revision)
        let settings = loaded.desired.settings
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

    /// server_sync then provisioning, forced; one line per server.
    private func syncServers(wiring: Wiring, store: SQLiteStateStore, settings: Settings) async throws {
        let library = try Wiring.locatePlaybooks()
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
