import StewardModel

/// What the Recovery agent does about an incident (seed 5.2): a pure function of its kind.
public enum RecoveryDecision: String, Sendable, Hashable, Codable {
    /// server_unreachable, provisioning_failed: check the server again, run bootstrap.yml and provision.yml
    /// (past the bounded attempts), redeploy every project that ran there, check their health.
    case reprovisionServer = "reprovision_server"
    /// service_down, deploy_failed: redeploy the project (forced), check its health.
    case redeployProject = "redeploy_project"
    /// repo_missing: re-link the project to the repo the forge has again, else re-create it from Steward's copy
    /// of the last deployed commit (or scaffold it when Steward has none).
    case restoreRepo = "restore_repo"
    /// host_key_changed: never automatic; a person pins the new key.
    case refuse

    /// The decision for an incident of `kind`.
    public static func decide(_ kind: IncidentRecord.Kind) -> RecoveryDecision {
        switch kind {
        case .serverUnreachable, .provisioningFailed: .reprovisionServer
        case .serviceDown, .deployFailed: .redeployProject
        case .repoMissing: .restoreRepo
        case .hostKeyChanged: .refuse
        }
    }

    /// Why the Recovery agent will not act on `incident`, telling the person what to do; nil when it acts.
    public static func refusal(_ incident: IncidentRecord) -> String? {
        guard decide(incident.kind) == .refuse else { return nil }
        return "a changed host key is never accepted automatically: check the server \(incident.objectName), then pin its "
            + "new key with spec.hostKey in its Server manifest (as in a .pub file) and reconcile"
    }

    /// The thread of the Recovery graph for an incident.
    public static func thread(incident id: Int64) -> String { "recovery/\(id)" }
}
