import Foundation
import StewardCore

/// Port allocations: one project per port on a server, guaranteed by the table's primary key.
extension SQLStateStore {
    /// `count` ports for `project` on `server`: the ports it already holds there (those in `preferred` first, in
    /// that order, then the others ascending), then free ports of `range` (a free port of `preferred` first, then
    /// the lowest). Held ports beyond `count` are freed. All recorded before the caller uses them.
    ///
    /// Runs in one IMMEDIATE transaction, so two controllers allocating at once are ordered by SQLite; the
    /// `(server, port)` primary key is the final guard. Held ports are returned even if the server's range has
    /// since changed: moving a deployed project is the caller's decision.
    /// - Throws: `StoreError.Kind.portRangeExhausted` naming the server and range when too few ports are free;
    ///   `.invalidArgument` for a range outside 1…65535 or a count below 1.
    public func allocatePorts(
        project: String, server: String, range: ClosedRange<Int>, count: Int, preferred: [Int]
    ) async throws -> [Int] {
        guard range.lowerBound >= 1, range.upperBound <= 65_535 else {
            throw StoreError(.invalidArgument, "port range \(range.lowerBound)-\(range.upperBound) for server \(server.debugDescription) is outside 1-65535")
        }
        guard count >= 1 else { throw StoreError(.invalidArgument, "a project needs at least one port, asked for \(count)") }
        return try await withDatabase { database in
            try database.transaction {
                let held = try database.query(
                    "SELECT port FROM allocations WHERE project = ? AND server = ? ORDER BY port",
                    [.text(project), .text(server)]
                ) { try $0.int(at: 0) }
                var ports = preferred.filter(held.contains).reduce(into: [Int]()) { if !$0.contains($1) { $0.append($1) } }
                ports += held.filter { !ports.contains($0) }
                if ports.count >= count {
                    for port in ports[count...] {
                        try database.run("DELETE FROM allocations WHERE server = ? AND port = ?", [.text(server), SQLiteValue(port)])
                    }
                    return Array(ports[..<count])
                }

                let taken = Set(try database.query(
                    "SELECT port FROM allocations WHERE server = ? AND port BETWEEN ? AND ?",
                    [.text(server), SQLiteValue(range.lowerBound), SQLiteValue(range.upperBound)]
                ) { try $0.int(at: 0) })
                var candidates = preferred.filter { range.contains($0) && !taken.contains($0) }
                var next = range.lowerBound
                while ports.count < count {
                    let port: Int
                    if !candidates.isEmpty {
                        port = candidates.removeFirst()
                    } else {
                        while next <= range.upperBound, taken.contains(next) || ports.contains(next) { next += 1 }
                        guard next <= range.upperBound else {
                            throw StoreError(
                                .portRangeExhausted,
                                "no free port on server \(server.debugDescription) in range \(range.lowerBound)-\(range.upperBound): "
                                    + "all \(range.count) ports are allocated\(count > 1 ? " (\(project) needs \(count))" : ""); widen the server's "
                                    + "capacity.ports, or remove projects from it"
                            )
                        }
                        port = next
                    }
                    if ports.contains(port) { continue }
                    try database.run(
                        "INSERT INTO allocations (server, port, project) VALUES (?, ?, ?)",
                        [.text(server), SQLiteValue(port), .text(project)]
                    )
                    ports.append(port)
                }
                return ports
            }
        }
    }

    /// Every allocation, by project: the server and its ports (ascending).
    public func portAllocations() async throws -> [String: PortAllocation] {
        try await withDatabase { database in
            var result: [String: PortAllocation] = [:]
            try database.query("SELECT project, server, port FROM allocations ORDER BY project, server, port") { row in
                (try row.string(at: 0), try row.string(at: 1), try row.int(at: 2))
            }.forEach { project, server, port in
                if result[project]?.server == server || result[project] == nil {
                    result[project, default: PortAllocation(server: server, ports: [])].ports.append(port)
                }
            }
            return result
        }
    }

    public func portAllocation(project: String) async throws -> PortAllocation? {
        try await withDatabase { database in
            let rows = try database.query(
                "SELECT server, port FROM allocations WHERE project = ? ORDER BY server, port", [.text(project)]
            ) { row in (try row.string(at: 0), try row.int(at: 1)) }
            // As `portAllocations`: the ports on the first server (a project holds ports on one).
            guard let server = rows.first?.0 else { return nil }
            return PortAllocation(server: server, ports: rows.filter { $0.0 == server }.map(\.1))
        }
    }

    /// Frees every port `project` holds, on every server.
    public func releasePorts(project: String) async throws {
        try await withDatabase { database in
            try database.run("DELETE FROM allocations WHERE project = ?", [.text(project)])
        }
    }
}
