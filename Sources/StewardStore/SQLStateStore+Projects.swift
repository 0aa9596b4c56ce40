import Foundation
import StewardCore
import StewardModel

/// Projects: one row each, upserted together with their events.
extension SQLStateStore {
    static let projectsTable = StoreTable(
        name: "projects", key: "name",
        columns: [
            "name", "repo", "github_repo_id", "manifest_path", "phase", "resume_phase", "fail_count", "generation",
            "observed_generation", "spec_hash", "spec", "conditions", "server", "port", "last_deploy_input_hash",
            "last_deploy_commit", "last_deployed_at", "orphaned", "updated_at", "archived", "implemented_changes",
            "repo_origin", "proposal",
        ]
    )
    /// Read with every project, written only by `setAgentStatus` (never by the upsert of a whole record).
    static let agentStatusColumns = ["engineering_status", "zavhoz_status"]

    /// Every project, by name; without spec and conditions when `withDetails` is false (planning needs neither).
    public func projects(withDetails: Bool) async throws -> [ProjectRecord] {
        let sql = (withDetails ? Self.projectsTable.selectSQL : Self.projectsTable.selectSQL(skipping: ["spec", "conditions"]))
            .replacingOccurrences(of: " FROM projects", with: Self.agentStatusSelection + " FROM projects")
        return try await withDatabase { database in
            try database.query(sql + " ORDER BY name", row: project(from:))
        }
    }

    /// Row versions of every project and the records of the changed ones, in one read transaction.
    public func projectSnapshot(known: [String: Int64]) async throws -> ProjectSnapshot {
        let select = Self.projectsTable.selectSQL.replacingOccurrences(of: " FROM projects", with: Self.agentStatusSelection + " FROM projects")
        return try await withDatabase { database in
            try database.transaction(.deferred) {
                let versions = try database.query("SELECT name, row_version FROM projects ORDER BY name", [], row: {
                    (name: try $0.string(at: 0), version: try $0.int64(at: 1))
                })
                let changed = versions.filter { known[$0.name] != $0.version }
                let records: [ProjectRecord]
                if changed.count > versions.count / 4 {
                    let names = Set(changed.map(\.name))
                    records = try database.query(select + " ORDER BY name", row: project(from:)).filter { names.contains($0.name) }
                } else {
                    records = try changed.compactMap { entry in
                        try database.query(select + " WHERE name = ?", [.text(entry.name)], row: project(from:)).first
                    }
                }
                return ProjectSnapshot(versions: versions, changed: records)
            }
        }
    }

    /// The project called `name`, or nil.
    public func project(named name: String) async throws -> ProjectRecord? {
        try await withDatabase { database in
            try database.query(
                Self.projectsTable.selectSQL.replacingOccurrences(of: " FROM projects", with: Self.agentStatusSelection + " FROM projects")
                    + " WHERE name = ?", [.text(name)], row: project(from:)
            ).first
        }
    }

    private static let agentStatusSelection = ", " + agentStatusColumns.joined(separator: ", ")

    /// Records the agent graph's progress on the project's record (nil leaves that status as it is). A column
    /// update, so a concurrent save of the record neither loses it nor is lost. Unknown projects are ignored.
    public func setAgentStatus(project: String, engineering: EngineeringStatus?, zavhoz: ZavhozStatus?) async throws {
        try await withDatabase { database in
            try database.run(
                "UPDATE projects SET engineering_status = coalesce(?, engineering_status), zavhoz_status = coalesce(?, zavhoz_status) "
                    + "WHERE name = ?",
                [SQLiteValue(engineering?.rawValue), SQLiteValue(zavhoz?.rawValue), .text(project)])
        }
    }

    /// Inserts or replaces the project and appends `events`, in one transaction.
    /// Its `Suspended` condition is the store's (`setSuspension` and `spec.suspend`), and so is `Drifted` (the last drift
    /// check and the record's last deploy), whatever the record says.
    public func save(project: ProjectRecord, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                var project = project
                project.conditions.applySuspension(
                    try Self.suspension("Project", project.name, in: database), inManifest: project.spec?.suspend ?? false,
                    at: project.updatedAt)
                project.conditions.applyDrift(
                    try Self.drift(project.name, in: database, decoder: self), project: project.name, lastDeployedAt: project.lastDeployedAt)
                project.conditions.applyPin(try Self.pin(project.name, in: database), specHash: project.specHash)
                try database.run(Self.projectsTable.upsertSQL, try values(of: project))
                try insert(events, into: database)
            }
        }
    }

    /// Deletes the project (if present) and every port it holds, and appends `events`, in one transaction.
    public func deleteProject(named name: String, events: [EventRecord]) async throws {
        try await withDatabase { database in
            try database.transaction {
                try database.run("DELETE FROM projects WHERE name = ?", [.text(name)])
                try database.run("DELETE FROM allocations WHERE project = ?", [.text(name)])
                try database.run("DELETE FROM suspensions WHERE object_kind = 'Project' AND object_name = ?", [.text(name)])
                try insert(events, into: database)
            }
        }
    }

    private func values(of project: ProjectRecord) throws -> [SQLiteValue] {
        [
            .text(project.name), SQLiteValue(project.repo), SQLiteValue(project.githubRepoID),
            SQLiteValue(project.manifestPath), SQLiteValue(project.phase), SQLiteValue(project.resumePhase),
            SQLiteValue(project.failCount), .integer(project.generation), .integer(project.observedGeneration),
            SQLiteValue(project.specHash), SQLiteValue(try project.spec.map(json)), .text(try json(project.conditions)),
            SQLiteValue(project.server), SQLiteValue(project.port), SQLiteValue(project.lastDeployInputHash),
            SQLiteValue(project.lastDeployCommit), SQLiteValue(project.lastDeployedAt), SQLiteValue(project.orphaned),
            SQLiteValue(project.updatedAt), SQLiteValue(project.archived), .text(try json(project.implementedChanges)),
            SQLiteValue(project.repoOrigin), SQLiteValue(try project.proposal.map(json)),
        ]
    }

    private func project(from row: any SQLRow) throws -> ProjectRecord {
        let name = try row.string(at: 0)
        let described = "project \(name.debugDescription)"
        return ProjectRecord(
            name: name,
            repo: try row.optionalString(at: 1),
            githubRepoID: try row.optionalInt64(at: 2),
            manifestPath: try row.optionalString(at: 3),
            phase: try row.value(ProjectPhase.self, at: 4),
            resumePhase: try row.optionalValue(ProjectPhase.self, at: 5),
            failCount: try row.int(at: 6),
            generation: try row.int64(at: 7),
            observedGeneration: try row.int64(at: 8),
            specHash: try row.optionalString(at: 9),
            spec: try row.optionalString(at: 10).map {
                try decodeJSON(ProjectSpec.self, from: $0, column: "spec", row: described)
            },
            conditions: try row.optionalString(at: 11).map {
                try decodeJSON([Condition].self, from: $0, column: "conditions", row: described)
            } ?? [],
            server: try row.optionalString(at: 12),
            port: try row.optionalInt(at: 13),
            lastDeployInputHash: try row.optionalString(at: 14),
            lastDeployCommit: try row.optionalString(at: 15),
            lastDeployedAt: try row.optionalDate(at: 16),
            orphaned: try row.bool(at: 17),
            archived: try row.bool(at: 19),
            updatedAt: try row.date(at: 18),
            implementedChanges: try decodeJSON([String].self, from: try row.string(at: 20), column: "implemented_changes", row: described),
            engineeringStatus: try row.value(EngineeringStatus.self, at: 23),
            zavhozStatus: try row.value(ZavhozStatus.self, at: 24),
            repoOrigin: try row.optionalValue(RepoOrigin.self, at: 21),
            proposal: try row.optionalString(at: 22).map {
                try decodeJSON(ChangeProposal.self, from: $0, column: "proposal", row: described)
            }
        )
    }
}
