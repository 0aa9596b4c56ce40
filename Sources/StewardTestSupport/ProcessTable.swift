import Foundation

/// This machine's processes, read from `/proc`: what tests check to prove that a process died or that
/// nothing was left behind.
public enum ProcessTable {
    /// Processes whose command line contains `fragment`: pid, process group and argv.
    public static func processes(withArgument fragment: String) -> [(pid: Int32, pgid: Int32, arguments: [String])] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var found: [(pid: Int32, pgid: Int32, arguments: [String])] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"), !data.isEmpty
            else { continue }
            let arguments = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            guard arguments.contains(where: { $0.contains(fragment) }), let stat = processStat(pid) else { continue }
            found.append((pid, stat.pgid, arguments))
        }
        return found
    }

    /// Whether `pid` is a live process (a zombie is not: nothing may reap it here).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = processStat(pid) else { return false }
        return stat.state != "Z"
    }

    /// Live processes whose working directory is `directory` or below it (an app runs in its release dir).
    public static func processes(workingIn directory: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != getpid(), isAlive(pid),
                  let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
            else { return false }
            return cwd == directory || cwd.hasPrefix(directory + "/")
        }
    }

    /// The live members of process group `pgid` once they had up to `limit` to finish dying: SIGKILL is
    /// delivered at once, but a loaded machine may take a while to schedule the killed processes' exit.
    public static func survivors(ofGroup pgid: Int32, limit: Duration = Patience.base) async -> [Int32] {
        try? await waitUntil("process group \(pgid) to die", limit: limit, every: .milliseconds(20)) {
            liveMembers(ofGroup: pgid).isEmpty
        }
        return liveMembers(ofGroup: pgid)
    }

    public static func liveMembers(ofGroup pgid: Int32) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = processStat(pid) else { return false }
            return stat.pgid == pgid && stat.state != "Z"
        }
    }

    static func processStat(_ pid: Int32) -> (state: String, pgid: Int32)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let pgid = Int32(fields[2]) else { return nil }
        return (String(fields[0]), pgid)
    }
}
