import StewardModel

/// What the Recovery agent acts through (the CLI wires the real server lifecycle, reconciler, health checker and
/// forge; tests pass fakes). Expected failures are results, not errors: errors are for the store and bugs.
public protocol RecoveryOperations: Sendable {
    /// Moves the incident to `status` (recovering, resolved, failed; detected: recovery refused, it stays open)
    /// with `message`, and records an event.
    func mark(incident: IncidentRecord, _ status: IncidentRecord.Status, _ message: String) async throws

    /// Checks the server now: host key, reachability, facts (server_sync for that server).
    func checkServer(_ name: String) async throws -> RecoveryStepResult
    /// Runs one provisioning playbook (`bootstrap` or `provision`) on the server, recorded as a run; after
    /// `provision` succeeds the server is ready with the current inputs.
    func provision(_ server: String, step: ProvisionStep) async throws -> RecoveryStepResult
    /// Projects whose last deploy went to `server`, by name.
    func projects(on server: String) async throws -> [String]
    /// Redeploys the project through the reconciler's deploy path, forced.
    func redeploy(_ project: String) async throws -> RecoveryStepResult
    /// One health check of the project.
    func checkHealth(_ project: String) async throws -> RecoveryStepResult

    /// The project's repository as the forge has it again (by id: renamed; by the manifest's name: re-created
    /// by someone), or nil when it is gone.
    func findRepo(_ project: String) async throws -> ForgeRepository?
    /// Creates the project's repository on the forge and fills it with the last deployed commit from Steward's
    /// copy (a bundle), else scaffolds it as the Architect does. Idempotent: an existing repo is filled, not
    /// created again.
    func recreateRepo(_ project: String) async throws -> RecoveryStepResult
    /// Points the project at `repo` again (its id), back to the phase it had before it went missing.
    func relink(_ project: String, to repo: ForgeRepository) async throws -> RecoveryStepResult
}
