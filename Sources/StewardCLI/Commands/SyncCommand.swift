import ArgumentParser
import Foundation
import StewardCore
import StewardModel

/// `steward sync github|forge --once`: the github_sync heartbeat, one pass.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "List the forge's repositories once and bring projects in line (discovered, renamed, missing).",
        discussion: """
            `github` requires forge.provider github in steward.yaml; `forge` syncs whichever forge is configured.
            Exit codes: 0 synced; 2 the listing failed (transient: counted, alerted after N in a row); 1 errors.
            """)

    /// Which forge the user asks for.
    enum Target: String, ExpressibleByArgument, CaseIterable {
        case github
        case forge
    }

    @Argument(help: "github or forge")
    var target: Target

    @Flag(help: "Run one sync and exit.")
    var once = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard once else { throw ValidationError("pass --once: the periodic sync runs in `steward run`, not in this version") }
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
}
