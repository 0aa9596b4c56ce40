import Foundation
import StewardModel

/// Reconcile passes: which config commit each used and how it ended.
extension SQLStateStore {
    private static let reconcileColumns = "id, commit_id, ref, started_at, finished_at, result, actions, errors, world_digest"

    /// Records a reconcile pass about to start: stored as `running` without finish time, whatever
    /// `reconcile` holds there.
    /// - Returns: the new reconcile id.
    public func beginReconcile(_ reconcile: ReconcileRecord) async throws -> Int64 {
        try await withDatabase { database in
            try database.insertReturningID(
                "INSERT INTO reconciles (commit_id, ref, started_at, result, actions, errors) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    SQLiteValue(reconcile.commit), .text(reconcile.ref), SQLiteValue(reconcile.startedAt),
                    SQLiteValue(ReconcileRecord.Result.running), SQLiteValue(reconcile.actions),
                    SQLiteValue(reconcile.errors),
                ]
            )
        }
    }

    /// Records how a reconcile pass ended: commit (known only after the fetch), result, counts, finish time.
    /// - Throws: `StoreError.Kind.invalidArgument` when `reconcile.id` is nil, `.notFound` when no pass has it.
    public func finishReconcile(_ reconcile: ReconcileRecord) async throws {
        guard let id = reconcile.id else {
            throw StoreError(.invalidArgument, "finishReconcile needs the id beginReconcile returned; the record has none")
        }
        let changed = try await withDatabase { database in
            try database.run(
                "UPDATE reconciles SET commit_id = ?, finished_at = ?, result = ?, actions = ?, errors = ?, world_digest = ? "
                    + "WHERE id = ?",
                [
                    SQLiteValue(reconcile.commit), SQLiteValue(reconcile.finishedAt), SQLiteValue(reconcile.result),
                    SQLiteValue(reconcile.actions), SQLiteValue(reconcile.errors), SQLiteValue(reconcile.worldDigest),
                    .integer(id),
                ]
            )
        }
        guard changed == 1 else {
            throw StoreError(.notFound, "no reconcile with id \(id) in \(location) to finish")
        }
    }

    /// A number that changes when another process commits a write (docs/ARCHITECTURE.md §4); nil on PostgreSQL,
    /// which cannot tell cheaply, so the controller assumes a change.
    public func externalWrites() async throws -> Int64? {
        try await withDatabase { database in try database.externalWriteCounter() }
    }

    /// The most recently begun reconcile pass (highest id), finished or not.
    public func lastReconcile() async throws -> ReconcileRecord? {
        try await withDatabase { database in
            try database.query("SELECT \(Self.reconcileColumns) FROM reconciles ORDER BY id DESC LIMIT 1") { row in
                ReconcileRecord(
                    id: try row.int64(at: 0),
                    commit: try row.optionalString(at: 1),
                    ref: try row.string(at: 2),
                    startedAt: try row.date(at: 3),
                    finishedAt: try row.optionalDate(at: 4),
                    result: try row.value(ReconcileRecord.Result.self, at: 5),
                    actions: try row.int(at: 6),
                    errors: try row.int(at: 7),
                    worldDigest: try row.optionalString(at: 8)
                )
            }.first
        }
    }
}
