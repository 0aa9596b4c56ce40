import Foundation
import Logging
import StewardModel

/// server_sync then provisioner_trigger, as one step of a reconcile pass or of `steward sync servers`.
public struct ServerLifecycle: Sendable {
    public var store: any StateStore & ForgeSyncStore & ServerSyncStore
    public var runner: any PlaybookRunner
    public var probe: any HostProbe
    /// Steward's own playbooks directory (`server_facts.yml`, `bootstrap.yml`, `provision.yml`).
    public var playbooksDirectory: URL
    public var stateDirectory: URL
    /// Steward's SSH public key, authorized for each server's deploy user.
    public var publicKey: @Sendable (Settings.SSH) async throws -> String
    /// Extra variables for bootstrap and provision (e.g. `steward_install_packages`, `steward_sshd_pid_file`).
    public var provisionVariables: [String: JSONValue]
    public var maxProvisionAttempts: Int
    /// `ConnectTimeout` of SSH connections and the host key scan, in seconds.
    public var connectTimeout: Int
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        store: any StateStore & ForgeSyncStore & ServerSyncStore, runner: any PlaybookRunner, probe: any HostProbe,
        playbooksDirectory: URL, stateDirectory: URL, publicKey: @escaping @Sendable (Settings.SSH) async throws -> String,
        provisionVariables: [String: JSONValue] = [:], maxProvisionAttempts: Int = 3, connectTimeout: Int = 10,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.runner = runner
        self.probe = probe
        self.playbooksDirectory = playbooksDirectory
        self.stateDirectory = stateDirectory
        self.publicKey = publicKey
        self.provisionVariables = provisionVariables
        self.maxProvisionAttempts = maxProvisionAttempts
        self.connectTimeout = connectTimeout
        self.now = now
        self.logger = logger
    }

    /// How Steward connects to servers under `settings`.
    public func access(_ settings: Settings) -> ServerAccess {
        ServerAccess(ssh: settings.ssh, stateDirectory: stateDirectory, connectTimeout: connectTimeout)
    }

    /// Syncs every server, then provisions those that need it.
    /// - Parameters:
    ///   - force: run even when `intervals.serverSync` has not passed since the last sync.
    ///   - reprovision: servers to provision again whatever their state (attempts reset).
    /// - Returns: nil when the sync was not due.
    public func run(
        settings: Settings, force: Bool = false, reprovision: Set<String> = []
    ) async throws -> (sync: ServerSyncReport, provision: ProvisionReport)? {
        if !force, reprovision.isEmpty, let last = try await store.lastServerSyncAttempt(),
            now().timeIntervalSince(last) < Double(settings.intervals.serverSync)
        {
            logger.debug("server sync not due", metadata: [
                "last_attempt": "\(last)", "interval_s": "\(settings.intervals.serverSync)", "action": "server_sync",
            ])
            return nil
        }
        let access = access(settings)
        let playbooksHash = ServerProvisioner.playbooksHash(directory: playbooksDirectory)
        let timeout = Duration.seconds(settings.playbookTimeout)
        let synced = try await serverSync(settings, playbooksHash: playbooksHash).sync()
        let ssh = settings.ssh
        let publicKey = self.publicKey
        let provisioner = ServerProvisioner(
            store: store, runner: runner, access: access, playbooksDirectory: playbooksDirectory,
            playbooksHash: playbooksHash, publicKey: { try await publicKey(ssh) }, maxAttempts: maxProvisionAttempts,
            timeout: timeout, variables: provisionVariables, now: now, logger: logger)
        let provisioned = try await provisioner.provision(reprovision: reprovision)
        return (synced, provisioned)
    }

    /// Reads the facts and deploy markers of the servers named (server_sync limited to them, no provisioning).
    public func readFacts(of names: Set<String>, settings: Settings) async throws {
        let playbooksHash = ServerProvisioner.playbooksHash(directory: playbooksDirectory)
        _ = try await serverSync(settings, playbooksHash: playbooksHash).sync(only: names)
    }

    private func serverSync(_ settings: Settings, playbooksHash: String) -> ServerSync {
        ServerSync(
            store: store, runner: runner, probe: probe, access: access(settings), playbooksDirectory: playbooksDirectory,
            provisioningHash: { ServerProvisioner.inputsHash(playbooksHash: playbooksHash, server: $0) },
            unreachableAfter: settings.thresholds.unreachableAfter, maxProvisionAttempts: maxProvisionAttempts,
            // A check is short: a hung host must not hold the pass for a whole playbook timeout.
            timeout: .seconds(min(settings.playbookTimeout, 300)), now: now, logger: logger)
    }
}
