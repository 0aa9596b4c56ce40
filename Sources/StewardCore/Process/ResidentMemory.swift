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

    /// Resident kilobytes by mapping (`/proc/self/smaps`): each mapped file's path, or `[anon]` for the heap, stacks and
    /// other anonymous memory, largest first. Empty where `/proc` is not mounted.
    public static func byMapping() -> [(mapping: String, kilobytes: Int)] {
        // /proc files report size 0: read to the end, not by the size.
        guard let data = FileHandle(forReadingAtPath: "/proc/self/smaps")?.readDataToEndOfFile(),
            let text = String(data: data, encoding: .utf8)
        else { return [] }
        var totals: [String: Int] = [:]
        var current = "[anon]"
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                current = fields.count > 5 && fields[5].hasPrefix("/") ? String(fields[5]) : "[anon]"
            } else if fields.first == "Rss:", fields.count > 1, let kilobytes = Int(fields[1]) {
                totals[current, default: 0] += kilobytes
            }
        }
        return totals.map { ($0.key, $0.value) }.sorted { $0.kilobytes > $1.kilobytes }
    }
}
