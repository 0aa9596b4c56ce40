import Foundation
import StewardCore
import StewardModel

/// The inventory file of one run: every host in group `all`, in YAML flow syntax (JSON plus tags) for
/// Ansible's `yaml` inventory plugin, which is the only one the runner enables.
///
/// A batch's per-host variables (a deploy's env and secrets) are written here too, every string tagged
/// `!unsafe` as in ``ExtraVarsDocument``, not as `host_vars/` files: Ansible reads the inventory and the extra
/// vars before the playbook starts, so the runner deletes both once it starts and no file with a secret
/// outlives that moment (files under `host_vars/` would be read again by every task).
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

    /// Variables of each host given by the run (`PlaybookRequest.hostVars`): templated never, and they win over
    /// the connection fields as a `host_vars/` file would.
    var privateVars: [String: [String: JSONValue]] = [:]

    /// The file's content: one host per line, its connection fields plain, its private vars tagged.
    func rendered() throws -> Data {
        var lines: [String] = []
        for host in hosts.sorted(by: { $0.name < $1.name }) {
            let own = privateVars[host.name] ?? [:]
            let connection = variables(for: host).filter { own[$0.key] == nil }
            let members = try connection.keys.sorted().map {
                ExtraVarsDocument.quoted($0) + ": " + (try ExtraVarsDocument.render(connection[$0]!, tagged: false))
            } + own.keys.sorted().map {
                ExtraVarsDocument.quoted($0) + ": " + (try ExtraVarsDocument.render(own[$0]!))
            }
            lines.append("      " + ExtraVarsDocument.quoted(host.name) + ": {" + members.joined(separator: ", ") + "}")
        }
        let text = "{\"all\": {\"hosts\": {\n" + lines.joined(separator: ",\n") + "\n}}}\n"
        return Data(text.utf8)
    }
}
