import Foundation
import Glibc
import StewardCore

/// The private directory of one run (0700): inventory, extra vars (0600) and Ansible's temp dirs.
/// Removed as a whole when the run ends, whatever the outcome; the two files that can hold secrets go as soon
/// as Ansible has read them (``removeSecretInputs()``).
struct PlaybookRunDirectory: Sendable {
    let url: URL

    var inventoryFile: URL { url.appendingPathComponent("inventory.yml") }
    var extraVarsFile: URL { url.appendingPathComponent("extra-vars.yml") }
    /// The run's own `ansible.cfg`, when it has one.
    var configFile: URL { url.appendingPathComponent("ansible.cfg") }
    /// `ANSIBLE_LOCAL_TEMP`: the controller-side temp dir.
    var localTemporaryDirectory: URL { url.appendingPathComponent("tmp/local") }
    /// `ansible_remote_tmp` of hosts with the local connection (their "remote" is this machine).
    var remoteTemporaryDirectory: URL { url.appendingPathComponent("tmp/remote") }

    /// Creates a fresh directory under `parent` (made 0700 if it does not exist), named after this process.
    static func create(in parent: URL) throws(SystemCallError) -> Self {
        try makeDirectory(parent.path, intermediate: true)
        let name = "run-\(getpid())-\(UUID().uuidString.lowercased())"
        let url = parent.appendingPathComponent(name, isDirectory: true)
        try makeDirectory(url.path, intermediate: false)
        let directory = Self(url: url)
        try makeDirectory(url.appendingPathComponent("tmp").path, intermediate: false)
        try makeDirectory(directory.localTemporaryDirectory.path, intermediate: false)
        try makeDirectory(directory.remoteTemporaryDirectory.path, intermediate: false)
        return directory
    }

    /// Deletes the inventory and the extra vars, which hold the run's secrets, once Ansible has read them
    /// (it reads both before the playbook starts and never again).
    func removeSecretInputs() {
        unlink(inventoryFile.path)
        unlink(extraVarsFile.path)
    }

    /// Writes a new file readable by the owner only; fails if it exists (no following a planted link).
    func writePrivateFile(_ file: URL, _ data: Data) throws(SystemCallError) {
        let fd = try SystemCall.check(
            "open \(file.path)", open(file.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        )
        defer { close(fd) }
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { bytes in
                write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written == -1, errno == EINTR { continue }
            let count: Int = try SystemCall.check("write \(file.path)", written)
            offset += count
        }
    }

    /// Deletes the run directories under `parent` left by processes that no longer exist: a controller
    /// killed during a run cannot clean up, and its inventory and extra vars may still hold secrets. Whatever still runs in such a
    /// directory (an `ansible-playbook` its watchdog could not stop, its workers, its ssh masters: they all
    /// work in it) is killed first, so a run is never redone beside its own leftover.
    /// - Returns: the names of the directories removed.
    @discardableResult
    static func removeAbandoned(in parent: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        var removed: [String] = []
        for name in names {
            let parts = name.split(separator: "-", maxSplits: 2)
            guard parts.count == 3, parts[0] == "run", let owner = pid_t(parts[1]), owner > 0 else { continue }
            guard kill(owner, 0) == -1, errno == ESRCH else { continue }
            let directory = parent.appendingPathComponent(name)
            killProcesses(workingIn: directory.path)
            if (try? FileManager.default.removeItem(at: directory)) != nil {
                removed.append(name)
            }
        }
        return removed
    }

    /// SIGKILLs every process whose working directory is `directory` or below it (read from `/proc`).
    /// - Returns: the pids killed.
    @discardableResult
    static func killProcesses(workingIn directory: String) -> [pid_t] {
        var killed: [pid_t] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = pid_t(entry), pid != getpid(),
                let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd"),
                cwd == directory || cwd.hasPrefix(directory + "/")
            else { continue }
            if kill(pid, SIGKILL) == 0 { killed.append(pid) }
        }
        return killed
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    private static func makeDirectory(_ path: String, intermediate: Bool) throws(SystemCallError) {
        if intermediate {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
            let parent = (path as NSString).deletingLastPathComponent
            if !parent.isEmpty, parent != path { try makeDirectory(parent, intermediate: true) }
            let result = mkdir(path, 0o700)
            if result == -1, errno == EEXIST { return }
            try SystemCall.check("mkdir \(path)", result)
            return
        }
        try SystemCall.check("mkdir \(path)", mkdir(path, 0o700))
    }
}
