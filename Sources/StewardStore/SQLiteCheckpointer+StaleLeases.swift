import Foundation

extension SQLiteCheckpointer {
    /// Drops every thread lease: for a caller that holds the state dir's exclusive lock (`steward reconcile`,
    /// `steward answer`), a lease row can only be left by a process that died (`kill -9`), so its thread can
    /// be resumed at once instead of after the lease expires.
    /// - Returns: how many leases were dropped.
    @discardableResult
    public func releaseStaleLeases() throws -> Int {
        try store.withDatabase { database in
            let count = try database.query("SELECT count(*) FROM graph_leases", []) { try $0.int(at: 0) }.first ?? 0
            try database.run("DELETE FROM graph_leases", [])
            return count
        }
    }
}
