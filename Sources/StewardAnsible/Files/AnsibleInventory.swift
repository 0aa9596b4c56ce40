import Foundation
import StewardCore
import StewardModel

/// The inventory file of one run: every host in group `all`, as JSON (valid YAML for Ansible's
/// `yaml` inventory plugin, which is the only one the runner enables).
struct AnsibleInventory: Sendable {
    var hosts: [InventoryHost]
    /// `ansible_remote_tmp` of hosts with the local connection: their "remote" is this machine, so
    /// module files stay inside the run dir.
    var moduleTemporaryDirectory: String

    /// The host vars Ansible sees for `host`. Connection fields come from the typed properties; `vars`
    /// adds to them and may override the defaults given to local hosts.
    func variables(for host: InventoryHost) -> [String: JSONValue] {
        var variables: [String: JSONValue] = [:]
        if host.connection == .local {
            // The controller's own Python: no interpreter discovery (slower, and warns on stderr).
            variables["ansible_python_interpreter"] = .string("{{ ansible_playbook_python }}")
            variables["ansible_remote_tmp"] = .string(moduleTemporaryDirectory)
        }
        variables.merge(host.vars) { _, custom in custom }
        variables["ansible_host"] = .string(host.address)
        variables["ansible_port"] = .int(host.port)
        variables["ansible_user"] = .string(host.user)
        variables["ansible_connection"] = .string(host.connection.rawValue)
        return variables
    }

    /// The file's content.
    func rendered() throws -> Data {
        var byName: [String: JSONValue] = [:]
        for host in hosts {
            byName[host.name] = .object(variables(for: host))
        }
        let document: JSONValue = .object(["all": .object(["hosts": .object(byName)])])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(document)
    }
}
