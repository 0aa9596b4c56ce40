import Foundation
import StewardModel

extension ServerLifecycle {
    /// server_sync of one server now (host key, reachability, facts), for the Recovery agent.
    public func sync(server name: String, settings: Settings) async throws -> ServerSyncReport {
        let playbooksHash = ServerProvisioner.playbooksHash(directory: playbooksDirectory)
        let sync = ServerSync(
            store: store, runner: runner, probe: probe, access: access(settings), playbooksDirectory: playbooksDirectory,
            provisioningHash: { ServerProvisioner.inputsHash(playbooksHash: playbooksHash, server: $0) },
            unreachableAfter: settings.thresholds.unreachableAfter, maxProvisionAttempts: maxProvisionAttempts,
            timeout: .seconds(min(settings.playbookTimeout, 300)), now: now, logger: logger)
        return try await sync.sync(only: [name])
    }

    /// The provisioner under `settings` (the Recovery agent runs its playbooks one at a time).
    public func provisioner(settings: Settings) -> ServerProvisioner {
        let ssh = settings.ssh
        let publicKey = self.publicKey
        return ServerProvisioner(
            store: store, runner: runner, access: access(settings), playbooksDirectory: playbooksDirectory,
            playbooksHash: ServerProvisioner.playbooksHash(directory: playbooksDirectory),
            publicKey: { try await publicKey(ssh) }, maxAttempts: maxProvisionAttempts,
            timeout: .seconds(settings.playbookTimeout), variables: provisionVariables, now: now, logger: logger)
    }
}
