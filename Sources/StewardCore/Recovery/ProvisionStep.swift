/// The two provisioning playbooks, run as separate recorded steps: a resumed recovery repeats neither once it finished.
public enum ProvisionStep: String, Sendable, Hashable, Codable, CaseIterable {
    case bootstrap
    case provision

    /// The playbook file.
    public var playbook: String { "\(rawValue).yml" }
}
