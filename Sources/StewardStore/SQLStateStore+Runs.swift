import Foundation
import StewardModel
import StewardCore

/// Ansible runs: recorded before the process starts, completed after it ends, so a crash leaves a trace.
extension SQLStateStore {
    private static let runColumns = """
        id, kind, project, server, playbook, input_hash, commit_id, status, exit_code, failed_task, failed_host, \
        started_at, finished_at, inputs
        """

    /// Records a run about to start: stored as `running`, without exit code, failure or finish time, whatever
    /// `run` holds in those fields; tasks it already carries are stored too.
    /// - Returns: the new run id.
    public func beginRun(_ run: RunRecord) async throws -> Int64 {
        try await withDatabase { database in
            try database.transaction {
                let id = try database.insertReturningID(
                    """
                    INSERT INTO runs (kind, project, server, playbook, input_hash, commit_id, status, started_at, inputs)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(run.kind), SQLiteValue(run.project), SQLiteValue(run.server), .text(run.playbook),
                        .text(run.inputHash), SQLiteValue(run.commit), SQLiteValue(RunRecord.Status.running),
                        SQLiteValue(run.startedAt), SQLiteValue(try run.inputs.map(json)),
                    ]
                )
                for task in run.tasks { try insert(task, runID: id, into: database) }
                return id
            }
        }
    }

    /// Appends one task event to run `runID`, after the ones already recorded.
    /// - Throws: `StoreError` (a foreign-key failure) when no run has that id.
    public func appendTask(runID: Int64, _ task: TaskEvent) async throws {
        try await withDatabase { database in try insert(task, runID: runID, into: database) }
    }

    /// Records how a run ended: status, exit code, failed task and host, finish time. Tasks are not
    /// touched; they arrive through `appendTask`.
    /// - Throws: `StoreError.Kind.invalidArgument` when `run.id` is nil, `.notFound` when no run has it.
    public func finishRun(_ run: RunRecord) async throws {
        guard let id = run.id else {
            throw StoreError(.invalidArgument, "finishRun needs the id beginRun returned; the run has none (\(run.playbook))")
        }
        // The run's journal line is written in the same transaction: a completed run never lacks it, whatever
        // happens to the log lines still buffered (`kill -9`).
        let line = try journalLine(finishing: run, id: id)
        let changed = try await withDatabase { database in
            try database.transaction {
                let changed = try database.run(
                    """
                    UPDATE runs SET status = ?, exit_code = ?, failed_task = ?, failed_host = ?, finished_at = ?
                    WHERE id = ?
                    """,
                    [
                        SQLiteValue(run.status), SQLiteValue(run.exitCode), SQLiteValue(run.failedTask),
                        SQLiteValue(run.failedHost), SQLiteValue(run.finishedAt), .integer(id),
                    ]
                )
                if changed == 1 { try database.run(Self.journalInsert, line) }
                return changed
            }
        }
        guard changed == 1 else {
            throw StoreError(.notFound, "no run with id \(id) in \(location) to finish (\(run.playbook))")
        }
    }

    /// The newest `limit` runs of `project`, newest first, each with its tasks in order.
    public func runs(project: String, limit: Int) async throws -> [RunRecord] {
        guard limit > 0 else { return [] }
        return try await withDatabase { database in
            // One snapshot for the runs and their tasks.
            try database.transaction(.deferred) {
                try database.query(
                    "SELECT \(Self.runColumns) FROM runs WHERE project = ? ORDER BY id DESC LIMIT ?",
                    [.text(project), .integer(Int64(limit))],
                    row: run(from:)
                ).map { try withTasks($0, from: database) }
            }
        }
    }

    /// One run with its tasks, or nil.
    public func run(id: Int64) async throws -> RunRecord? {
        try await withDatabase { database in
            try database.transaction(.deferred) {
                try database.query("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.integer(id)], row: run(from:))
                    .first.map { try withTasks($0, from: database) }
            }
        }
    }

    /// The newest `limit` runs of `server` that belong to no project, newest first, each with its tasks.
    public func runs(server: String, limit: Int) async throws -> [RunRecord] {
        guard limit > 0 else { return [] }
        return try await withDatabase { database in
            try database.transaction(.deferred) {
                try database.query(
                    "SELECT \(Self.runColumns) FROM runs WHERE server = ? AND project IS NULL ORDER BY id DESC LIMIT ?",
                    [.text(server), .integer(Int64(limit))],
                    row: run(from:)
                ).map { try withTasks($0, from: database) }
            }
        }
    }

    /// Marks the runs still `running` — left by a process that died — that `filter` matches as `interrupted`, finished
    /// at `time`.
    /// - Returns: those runs as now stored, oldest first, with their tasks.
    public func recoverInterruptedRuns(at time: Date, matching filter: InterruptedRunFilter) async throws -> [RunRecord] {
        try await withDatabase { database in
            try database.transaction {
                let running = try database.query(
                    "SELECT \(Self.runColumns) FROM runs WHERE status = 'running' ORDER BY id", row: run(from:)
                ).filter(filter.matches)
                for run in running {
                    try database.run(
                        "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
                        [SQLiteValue(RunRecord.Status.interrupted), SQLiteValue(time), .integer(run.id!)]
                    )
                    var ended = run
                    ended.status = .interrupted
                    ended.finishedAt = time
                    try database.run(Self.journalInsert, try journalLine(finishing: ended, id: run.id!))
                }
                return try running.map { run in
                    var run = try withTasks(run, from: database)
                    run.status = .interrupted
                    run.finishedAt = time
                    return run
                }
            }
        }
    }

    private static let journalInsert =
        "INSERT INTO journal (time, level, message, project, server, action, fields) VALUES (?, ?, ?, ?, ?, ?, ?)"

    /// The journal row of a run that ended (`run #ID KIND STATUS`), written with its end.
    private func journalLine(finishing run: RunRecord, id: Int64) throws -> [SQLiteValue] {
        let fields = try json(["run": "\(id)", "status": run.status.rawValue, "input_hash": run.inputHash])
        return [
            SQLiteValue(run.finishedAt ?? Date()), .text(run.status == .succeeded ? "info" : "warning"),
            .text("run #\(id) \(run.kind) \(run.status.rawValue)" + (run.failedTask.map { ": task \"\($0)\"" } ?? "")),
            SQLiteValue(run.project), SQLiteValue(run.server), .text("run_finished"), .text(fields),
        ]
    }

    private func insert(_ task: TaskEvent, runID: Int64, into database: any SQLConnection) throws {
        // The next sequence number is computed in the same statement, so it needs no transaction of its own.
        try database.run(
            """
            INSERT INTO run_tasks (run_id, seq, host, task, status, duration_ms, message, diff)
            SELECT ?1, COALESCE(MAX(seq), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7 FROM run_tasks WHERE run_id = ?1
            """,
            [
                .integer(runID), .text(task.host), .text(task.task), SQLiteValue(task.status),
                SQLiteValue(task.durationMs), SQLiteValue(task.message), SQLiteValue(task.diff),
            ]
        )
    }

    private func withTasks(_ run: RunRecord, from database: any SQLConnection) throws -> RunRecord {
        var run = run
        run.tasks = try database.query(
            "SELECT host, task, status, duration_ms, message, diff FROM run_tasks WHERE run_id = ? ORDER BY seq",
            [SQLiteValue(run.id)]
        ) { row in
            TaskEvent(
                host: try row.string(at: 0),
                task: try row.string(at: 1),
                status: try row.value(TaskEvent.Status.self, at: 2),
                durationMs: try row.int(at: 3),
                message: try row.optionalString(at: 4),
                diff: try row.optionalString(at: 5)
            )
        }
        return run
    }

    private func run(from row: any SQLRow) throws -> RunRecord {
        RunRecord(
            id: try row.int64(at: 0),
            kind: try row.string(at: 1),
            project: try row.optionalString(at: 2),
            server: try row.optionalString(at: 3),
            playbook: try row.string(at: 4),
            inputHash: try row.string(at: 5),
            commit: try row.optionalString(at: 6),
            status: try row.value(RunRecord.Status.self, at: 7),
            exitCode: try row.optionalInt(at: 8),
            failedTask: try row.optionalString(at: 9),
            failedHost: try row.optionalString(at: 10),
            startedAt: try row.date(at: 11),
            finishedAt: try row.optionalDate(at: 12),
            inputs: try row.optionalString(at: 13).map {
                try decodeJSON([String: String].self, from: $0, column: "inputs", row: "run \(try row.int64(at: 0))")
            }
        )
    }
}
