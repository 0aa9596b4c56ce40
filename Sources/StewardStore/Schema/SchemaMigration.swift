/// One step of the store's schema history. Applied steps are counted by the connection's `schemaVersion()`
/// (SQLite's `user_version`, a table on PostgreSQL).
struct SchemaMigration: Sendable {
    /// 1 for the first migration, then consecutive.
    let version: Int
    /// What the step changes, for error messages.
    let summary: String
    let apply: @Sendable (any SQLConnection) throws -> Void

    init(version: Int, summary: String, apply: @escaping @Sendable (any SQLConnection) throws -> Void) {
        self.version = version
        self.summary = summary
        self.apply = apply
    }

    /// A step that is a plain SQL script.
    init(version: Int, summary: String, sql: String) {
        self.init(version: version, summary: summary) { try $0.execute(sql) }
    }
}

/// Brings a database to the newest schema this code knows, or explains why it cannot.
struct SchemaMigrator: Sendable {
    let migrations: [SchemaMigration]

    /// - Precondition: versions are 1, 2, 3, … in order (a programming error otherwise).
    init(_ migrations: [SchemaMigration]) {
        precondition(
            migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
            "schema migrations must be numbered 1, 2, 3, … in order"
        )
        self.migrations = migrations
    }

    /// The version a fully migrated database has.
    var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies every migration newer than the database's `user_version`, each in its own IMMEDIATE transaction.
    ///
    /// The version is re-read inside each transaction, so two processes opening a fresh file at once apply
    /// every step exactly once. An up-to-date database is left untouched.
    /// - Throws: `StoreError.Kind.schemaTooNew` for a database written by a newer Steward; a migration's
    ///   own failure (after rolling it back) otherwise.
    func migrate(_ database: any SQLConnection) throws {
        let initial = try database.schemaVersion()
        try refuseNewer(version: initial, in: database)
        for migration in migrations where migration.version > initial {
            try database.transaction {
                let current = try database.schemaVersion()
                try refuseNewer(version: current, in: database)
                guard current < migration.version else { return }
                do {
                    try migration.apply(database)
                } catch let error as StoreError {
                    throw StoreError(
                        error.kind,
                        "schema migration \(migration.version) (\(migration.summary)) failed: \(error.message)",
                        sqliteCode: error.sqliteCode
                    )
                }
                try database.setSchemaVersion(migration.version)
            }
        }
    }

    /// Checks that a database opened read-only has exactly the schema this code reads.
    /// - Throws: `schemaTooNew` or `schemaOutdated`, saying what to do.
    func verify(_ database: any SQLConnection) throws {
        let version = try database.schemaVersion()
        try refuseNewer(version: version, in: database)
        guard version == latestVersion else {
            throw StoreError(
                .schemaOutdated,
                "the state database \(database.location) has schema version \(version) but this steward reads version "
                    + "\(latestVersion); open it once read-write (any steward command that writes state) to migrate it"
            )
        }
    }

    private func refuseNewer(version: Int, in database: any SQLConnection) throws {
        guard version > latestVersion else { return }
        throw StoreError(
            .schemaTooNew,
            "the state database \(database.location) has schema version \(version), newer than version \(latestVersion) "
                + "that this steward knows: it was written by a newer steward. Run that version, or restore a backup "
                + "taken before the upgrade; steward never downgrades a database"
        )
    }
}
