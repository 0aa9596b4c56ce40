import Foundation

/// What server_sync learned of a server (Ansible's setup module, minimal subset): capacity and platform.
public struct ServerFacts: Sendable, Hashable, Codable {
    /// Total memory.
    public var memoryMB: Int?
    /// Free memory at the time of the check.
    public var memoryFreeMB: Int?
    /// Free space of the filesystem holding the apps directory (or `/`).
    public var diskFreeMB: Int?
    /// Distribution and version, e.g. `Debian 12`.
    public var os: String?
    public var kernel: String?
    /// The Python version Ansible uses there.
    public var python: String?
    /// systemd is the service manager (else deploys use Steward's own supervisor).
    public var hasSystemd: Bool
    /// The apps directory of the deploy user (`~/.steward/apps` unless `steward_apps_dir` is set).
    public var appsDirectory: String?

    /// The facts a deploy depends on (a changed OS release or Python redeploys); memory, disk and kernel change
    /// without making a deploy stale.
    public var deployFingerprint: String { "\(os ?? "-") python \(python ?? "-")" }

    public init(
        memoryMB: Int? = nil, memoryFreeMB: Int? = nil, diskFreeMB: Int? = nil, os: String? = nil, kernel: String? = nil,
        python: String? = nil, hasSystemd: Bool = false, appsDirectory: String? = nil
    ) {
        self.memoryMB = memoryMB
        self.memoryFreeMB = memoryFreeMB
        self.diskFreeMB = diskFreeMB
        self.os = os
        self.kernel = kernel
        self.python = python
        self.hasSystemd = hasSystemd
        self.appsDirectory = appsDirectory
    }
}
