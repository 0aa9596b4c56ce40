import Foundation
import StewardModel

/// How Steward reaches a server: the inventory host of each purpose, and the known_hosts file Steward manages.
///
/// Every SSH connection Ansible makes checks the host key against Steward's own known_hosts (written from the
/// store's trusted keys, nothing else), in batch mode, with Steward's key only.
public struct ServerAccess: Sendable {
    /// Which account a connection uses.
    public enum Purpose: String, Sendable {
        /// `spec.bootstrapUser` (default root): bootstrap and provisioning, which create users and install packages.
        case bootstrap
        /// `spec.user` (default deploy): deploys and checks of provisioned servers.
        case deploy
    }

    public var ssh: Settings.SSH
    public var stateDirectory: URL
    /// `ConnectTimeout` of every SSH connection, in seconds.
    public var connectTimeout: Int

    public init(ssh: Settings.SSH, stateDirectory: URL, connectTimeout: Int = 10) {
        self.ssh = ssh
        self.stateDirectory = stateDirectory
        self.connectTimeout = max(1, connectTimeout)
    }

    /// `settings.ssh.privateKeyFile` with `~` expanded.
    public var privateKeyPath: String { NSString(string: ssh.privateKeyFile).expandingTildeInPath }

    /// The managed known_hosts file: `settings.ssh.knownHostsFile` relative to the state dir.
    public var knownHostsPath: String {
        let expanded = NSString(string: ssh.knownHostsFile).expandingTildeInPath
        return URL(fileURLWithPath: expanded, relativeTo: stateDirectory).standardizedFileURL.path
    }

    /// Where apps of `connection: local` servers live (in the state dir, never the user's home); a symlink is resolved,
    /// so replicas whose state dirs link one `apps` folder deploy to the same paths.
    public var localAppsDirectory: String { stateDirectory.appendingPathComponent("apps").resolvingSymlinksInPath().path }

    /// The inventory host of server `name` for `purpose`.
    public func host(name: String, spec: ServerSpec, purpose: Purpose = .deploy) -> InventoryHost {
        var vars: [String: JSONValue] = ["steward_deploy_user": .string(spec.user)]
        if spec.connection == .local {
            vars["steward_apps_dir"] = .string(localAppsDirectory)
            return InventoryHost(
                name: name, address: spec.address, port: spec.port, user: spec.user, connection: .local, vars: vars)
        }
        vars["ansible_ssh_private_key_file"] = .string(privateKeyPath)
        vars["ansible_ssh_common_args"] = .string(sshCommonArguments)
        vars["ansible_pipelining"] = .bool(true)
        return InventoryHost(
            name: name, address: spec.address, port: spec.port,
            user: purpose == .bootstrap ? spec.bootstrapUser : spec.user, connection: .ssh, vars: vars)
    }

    /// The inventory host of a declared server for `purpose`.
    public func host(for server: ServerManifest, purpose: Purpose = .deploy) -> InventoryHost {
        host(name: server.name, spec: server.spec, purpose: purpose)
    }

    /// `ansible_ssh_common_args`: strict host key checking against the managed file only, no prompts, no agent keys.
    public var sshCommonArguments: String {
        [
            "-o", "UserKnownHostsFile=\(knownHostsPath)", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=\(connectTimeout)",
        ].map(Self.shellQuoted).joined(separator: " ")
    }

    /// The known_hosts line of a key: `[address]:port key`, or `address key` for port 22.
    public static func knownHostsLine(address: String, port: Int, key: String) -> String {
        (port == 22 ? address : "[\(address)]:\(port)") + " " + key
    }

    /// Rewrites the managed known_hosts file (atomically, mode 0644) with the trusted key of every SSH server.
    public func writeKnownHosts(_ servers: [ServerRecord]) throws {
        var lines: [String] = []
        for server in servers.sorted(by: { $0.name < $1.name }) {
            guard let spec = server.spec, spec.connection == .ssh, let key = server.hostKey else { continue }
            lines.append(Self.knownHostsLine(address: spec.address, port: spec.port, key: key))
        }
        let url = URL(fileURLWithPath: knownHostsPath)
        let text = "# Managed by Steward from its store; edits are overwritten. Pin a key with spec.hostKey.\n"
            + lines.map { $0 + "\n" }.joined()
        if (try? String(contentsOf: url, encoding: .utf8)) == text { return }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(
            atPath: staging.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644])
        else { throw ConfigSourceError("cannot write \(staging.path)") }
        if rename(staging.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: staging)
            throw ConfigSourceError("cannot replace \(url.path): \(reason)")
        }
    }

    /// Quotes `text` for the `shlex` split Ansible applies to `ansible_ssh_common_args`.
    static func shellQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_=./:@+,".contains($0) }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
