import Foundation

/// This process's resident set size, read from `/proc/self/statm` (Linux): what `ps` shows as RSS.
public enum ResidentMemory {
    /// Resident bytes now, or nil where `/proc` is not mounted.
    public static func bytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The anonymous part of it (`RssAnon`: the heap and stacks, where a leak shows), or nil where `/proc` is not
    /// mounted. The rest is file-backed: the binary, its libraries and the database's memory map.
    public static func anonymousBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }
}
