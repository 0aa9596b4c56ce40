import Foundation

/// Parsed manifests by git blob id, so an unchanged file is not parsed again on the next reconcile.
extension SQLStateStore {
    /// Ids bound per `IN (…)` lookup, far below SQLite's 32,766-parameter limit. Measured on 10,100 ids
    /// (release build): 100, 500 and 2,000 per chunk within 10 % of each other (~19–23 ms); all 10,100 in
    /// one statement ~33 ms; `IN (SELECT value FROM json_each(?))` ~36 ms.
    static let manifestLookupChunkSize = 500

    /// The cached payloads of those `blobIDs` that are cached; unknown ids are simply absent.
    ///
    /// Looks ids up in chunks of `manifestLookupChunkSize` through one reused prepared statement, inside
    /// one read transaction (one snapshot, one lock acquisition).
    public func cachedManifests(blobIDs: [String]) async throws -> [String: Data] {
        let ids = Array(Set(blobIDs))
        guard let lastID = ids.last else { return [:] }
        let chunkSize = Self.manifestLookupChunkSize
        let sql = "SELECT blob_id, payload FROM manifest_cache WHERE blob_id IN ("
            + Array(repeating: "?", count: chunkSize).joined(separator: ", ") + ")"
        return try await withDatabase { database in
            try database.transaction(.deferred) {
                var payloads: [String: Data] = [:]
                payloads.reserveCapacity(ids.count)
                for start in stride(from: 0, to: ids.count, by: chunkSize) {
                    var values = ids[start..<min(start + chunkSize, ids.count)].map(SQLiteValue.text)
                    // A short last chunk repeats an id (harmless in IN) so every chunk shares one statement.
                    values += Array(repeating: .text(lastID), count: chunkSize - values.count)
                    let rows = try database.query(sql, values) { row in (try row.string(at: 0), try row.data(at: 1)) }
                    for (id, payload) in rows { payloads[id] = payload }
                }
                return payloads
            }
        }
    }

    /// Inserts or replaces `payloads` by blob id in one transaction, stamping `last_used` with the clock.
    public func cacheManifests(_ payloads: [String: Data]) async throws {
        // A read-only store (`plan` from a read-only state dir) parses again next time instead.
        guard !payloads.isEmpty, !isReadOnly else { return }
        let stamp = SQLiteValue(now())
        try await withDatabase { database in
            try database.transaction {
                for (id, payload) in payloads {
                    try database.run(
                        """
                        INSERT INTO manifest_cache (blob_id, payload, last_used) VALUES (?, ?, ?)
                        ON CONFLICT (blob_id) DO UPDATE SET payload = excluded.payload, last_used = excluded.last_used
                        """,
                        [.text(id), .blob(payload), stamp]
                    )
                }
            }
        }
    }
}
