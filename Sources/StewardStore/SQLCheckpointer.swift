import Foundation
import StewardGraph

/// The agent graph's checkpointer in Steward's SQLite store: tables `graph_checkpoints`, `graph_effects`
/// and `graph_leases` (docs/ARCHITECTURE.md §5, §7).
///
/// Everything a thread needs to resume lives in these tables, so a new process with a new store on the
/// same file continues a thread where the old one stopped. Each call is one statement or one IMMEDIATE
/// transaction; the lease row is taken in such a transaction, so two processes cannot both run a thread.
public struct SQLCheckpointer: Checkpointer {
    /// The store whose file holds the tables.
    public let store: SQLStateStore

    public init(store: SQLStateStore) {
        self.store = store
    }

    private static let columns = "thread, seq, step, status, nodes, payload, snapshot, created_at"

    public func append(_ checkpoint: Checkpoint) async throws {
        try await store.withDatabase { database in
            try database.transaction {
                let latest = try database.query(
                    "SELECT max(seq) FROM graph_checkpoints WHERE thread = ?", [.text(checkpoint.thread)]
                ) { try $0.optionalInt(at: 0) }.first ?? nil
                guard checkpoint.sequence == (latest ?? -1) + 1 else {
                    throw StoreError(
                        .invalidArgument,
                        "checkpoint \(checkpoint.sequence) of graph thread \(checkpoint.thread) is out of sequence: the "
                            + "latest stored is \(latest.map(String.init) ?? "none"); another run wrote the thread"
                    )
                }
                try database.run(
                    "INSERT INTO graph_checkpoints (\(Self.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .text(checkpoint.thread), SQLiteValue(checkpoint.sequence), SQLiteValue(checkpoint.step),
                        SQLiteValue(checkpoint.status), .text(try store.json(checkpoint.nodes)), .blob(checkpoint.payload),
                        checkpoint.snapshot.map(SQLiteValue.blob) ?? .null, SQLiteValue(checkpoint.createdAt),
                    ]
                )
            }
        }
    }

    public func replayChain(thread: String, upTo sequence: Int?) async throws -> [Checkpoint] {
        let last = Int64(sequence ?? Int(Int64.max))
        return try await store.withDatabase { database in
            try database.transaction(.deferred) {
                let first = try database.query(
                    "SELECT max(seq) FROM graph_checkpoints WHERE thread = ? AND snapshot IS NOT NULL AND seq <= ?",
                    [.text(thread), .integer(last)]
                ) { try $0.optionalInt64(at: 0) }.first ?? nil
                return try database.query(
                    "SELECT \(Self.columns) FROM graph_checkpoints WHERE thread = ? AND seq >= ? AND seq <= ? ORDER BY seq",
                    [.text(thread), .integer(first ?? 0), .integer(last)]
                ) { row in
                    Checkpoint(
                        thread: try row.string(at: 0), sequence: try row.int(at: 1), step: try row.int(at: 2),
                        status: try row.value(ThreadStatus.self, at: 3),
                        nodes: try store.decodeJSON([String].self, from: try row.string(at: 4), column: "nodes", row: "graph thread \(thread)"),
                        payload: try row.data(at: 5), snapshot: row.isNull(at: 6) ? nil : try row.data(at: 6),
                        createdAt: try row.date(at: 7)
                    )
                }
            }
        }
    }

    public func history(thread: String) async throws -> [CheckpointSummary] {
        try await store.withDatabase { database in
            try database.query(
                "SELECT thread, seq, step, status, nodes, created_at, length(payload), coalesce(length(snapshot), 0) "
                    + "FROM graph_checkpoints WHERE thread = ? ORDER BY seq",
                [.text(thread)]
            ) { row in
                CheckpointSummary(
                    thread: try row.string(at: 0), sequence: try row.int(at: 1), step: try row.int(at: 2),
                    status: try row.value(ThreadStatus.self, at: 3),
                    nodes: try store.decodeJSON([String].self, from: try row.string(at: 4), column: "nodes", row: "graph thread \(thread)"),
                    createdAt: try row.date(at: 5), payloadBytes: try row.int(at: 6), snapshotBytes: try row.int(at: 7)
                )
            }
        }
    }

    public func beginEffect(_ key: EffectKey, at time: Date) async throws -> EffectRecord {
        try await store.withDatabase { database in
            try database.transaction {
                let keyValues: [SQLiteValue] = [.text(key.thread), SQLiteValue(key.step), .text(key.node), .text(key.name)]
                let existing = try database.query(
                    "SELECT attempts, result FROM graph_effects WHERE thread = ? AND step = ? AND node = ? AND name = ?", keyValues
                ) { row in (attempts: try row.int(at: 0), result: row.isNull(at: 1) ? nil : try row.data(at: 1)) }.first
                if let existing, let result = existing.result {
                    return EffectRecord(attempts: existing.attempts, result: result)
                }
                let attempts = (existing?.attempts ?? 0) + 1
                try database.run(
                    "INSERT INTO graph_effects (thread, step, node, name, attempts, started_at) VALUES (?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (thread, step, node, name) DO UPDATE SET attempts = excluded.attempts, started_at = excluded.started_at",
                    keyValues + [SQLiteValue(attempts), SQLiteValue(time)]
                )
                return EffectRecord(attempts: attempts, result: nil)
            }
        }
    }

    public func finishEffect(_ key: EffectKey, result: Data, at time: Date) async throws {
        try await store.withDatabase { database in
            let changed = try database.run(
                "UPDATE graph_effects SET result = ?, finished_at = ? WHERE thread = ? AND step = ? AND node = ? AND name = ?",
                [.blob(result), SQLiteValue(time), .text(key.thread), SQLiteValue(key.step), .text(key.node), .text(key.name)]
            )
            guard changed == 1 else {
                throw StoreError(.notFound, "effect \(key.name) of node \(key.node) (graph thread \(key.thread), step \(key.step)) was never started")
            }
        }
    }

    public func acquireLease(thread: String, owner: String, now: Date, expiresAt: Date) async throws {
        try await store.withDatabase { database in
            try database.transaction {
                let holder = try database.query(
                    "SELECT owner, expires_at FROM graph_leases WHERE thread = ?", [.text(thread)]
                ) { (owner: try $0.string(at: 0), expiresAt: try $0.date(at: 1)) }.first
                if let holder, holder.owner != owner, holder.expiresAt > now {
                    throw GraphError.threadBusy(thread: thread, owner: holder.owner, until: holder.expiresAt)
                }
                try database.run(
                    "INSERT INTO graph_leases (thread, owner, expires_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (thread) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
                    [.text(thread), .text(owner), SQLiteValue(expiresAt)]
                )
            }
        }
    }

    public func renewLease(thread: String, owner: String, expiresAt: Date) async throws {
        try await store.withDatabase { database in
            try database.transaction {
                let holder = try database.query(
                    "SELECT owner, expires_at FROM graph_leases WHERE thread = ?", [.text(thread)]
                ) { (owner: try $0.string(at: 0), expiresAt: try $0.date(at: 1)) }.first
                if let holder, holder.owner != owner {
                    throw GraphError.threadBusy(thread: thread, owner: holder.owner, until: holder.expiresAt)
                }
                try database.run(
                    "INSERT INTO graph_leases (thread, owner, expires_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT (thread) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at",
                    [.text(thread), .text(owner), SQLiteValue(expiresAt)]
                )
            }
        }
    }

    public func releaseLease(thread: String, owner: String) async throws {
        try await store.withDatabase { database in
            try database.run("DELETE FROM graph_leases WHERE thread = ? AND owner = ?", [.text(thread), .text(owner)])
        }
    }
}
