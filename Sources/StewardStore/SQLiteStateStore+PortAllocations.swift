import Foundation

/// Port allocations: one project per port on a server, guaranteed by the table's primary key.
extension SQLiteStateStore {
    /// The port `project` holds on `server`, else the lowest port of `range` free there, recorded for it.
    ///
    /// Runs in one IMMEDIATE transaction, so two controllers allocating at once are ordered by SQLite; the
    /// `(server, port)` primary key is the final guard. An existing allocation is returned even if the
    /// server's range has since changed: moving a deployed project is the caller's decision.
    /// - Throws: `StoreError.Kind.portRangeExhausted` naming the server and range when no port is free;
    ///   `.invalidArgument` for a range outside 1…65535.
    public func allocatePort(project: String, server: String, range: ClosedRange<Int>) async throws -> Int {
        guard range.lowerBound >= 1, range.upperBound <= 65_535 else {
            throw StoreError(.invalidArgument, "port range \(range.lowerBound)-\(range.upperBound) for server \(server.debugDescription) is outside 1-65535")
        }
        return try withDatabase { database in
            try database.transaction {
                let held = try database.query(
                    "SELECT port FROM allocations WHERE project = ? AND server = ? ORDER BY port LIMIT 1",
                    [.text(project), .text(server)]
                ) { try $0.int(at: 0) }
                if let port = held.first { return port }

                let taken = try database.query(
                    "SELECT port FROM allocations WHERE server = ? AND port BETWEEN ? AND ? ORDER BY port",
                    [.text(server), SQLiteValue(range.lowerBound), SQLiteValue(range.upperBound)]
                ) { try $0.int(at: 0) }
                // `taken` is sorted, so the first gap is the lowest free port.
                var candidate = range.lowerBound
                for port in taken where port == candidate { candidate += 1 }
                guard candidate <= range.upperBound else {
                    throw StoreError(
                        .portRangeExhausted,
                        "no free port on server \(server.debugDescription) in range \(range.lowerBound)-\(range.upperBound): "
                            + "all \(range.count) ports are allocated; widen the server's capacity.ports, "
                            + "or remove projects from it"
                    )
                }
                try database.run(
                    "INSERT INTO allocations (server, port, project) VALUES (?, ?, ?)",
                    [.text(server), SQLiteValue(candidate), .text(project)]
                )
                return candidate
            }
        }
    }

    /// Frees every port `project` holds, on every server.
    public func releasePorts(project: String) async throws {
        try withDatabase { database in
            try database.run("DELETE FROM allocations WHERE project = ?", [.text(project)])
        }
    }
}
