import Foundation

extension SQLCheckpointer {
    /// Drops the leases of threads whose id starts with `prefix`: for a caller acting alone on the state dir (a
    /// starting `steward run`, or `reconcile`/`answer`/`fix` while no controller runs), which is the only one running
    /// those threads, a lease row can only be left by a process that died (`kill -9`), so the thread is resumed at
    /// once instead of after the lease expires.
    /// - Returns: how many leases were dropped.
    @discardableResult
    public func releaseStaleLeases(threadPrefix prefix: String) async throws -> Int {
        let pattern = SQLStateStore.likePrefix(prefix)
        return try await store.withDatabase { database in
            let count = try database.query(
                "SELECT count(*) FROM graph_leases WHERE thread LIKE ? ESCAPE '\\'", [.text(pattern)]
            ) { try $0.int(at: 0) }.first ?? 0
            try database.run("DELETE FROM graph_leases WHERE thread LIKE ? ESCAPE '\\'", [.text(pattern)])
            return count
        }
    }
}
