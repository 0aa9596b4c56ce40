/// The state store's schema history on SQLite (docs/ARCHITECTURE.md §7). Append new steps; never edit an applied one;
/// add each new step to `PostgresSchema` too (a test holds both schemas to the same tables and columns).
///
/// Conventions every step follows, so later tables (deployments, secrets, incidents, graph_checkpoints,
/// outbox) fit in: STRICT tables; objects keyed by `name TEXT` (projects, servers) or
/// `id INTEGER PRIMARY KEY AUTOINCREMENT` (journals: events, runs, reconciles), which later tables reference;
/// dates as REAL seconds since 2001-01-01 UTC (`SQLiteDate`); enums as their raw text; nested values as
/// canonical JSON text (sorted keys); booleans as INTEGER 0/1. `commit` is an SQL keyword, so commit
/// columns are `commit_id`.
enum StoreSchema {
    static let migrations: [SchemaMigration] = [
        SchemaMigration(version: 1, summary: "projects, servers, events, runs, reconciles, manifest cache, allocations", sql: version1),
        SchemaMigration(version: 2, summary: "reconciles.world_digest: what a complete pass observed outside manifests", sql: version2),
        SchemaMigration(version: 3, summary: "forge sync: project repo flags, listing pages with ETags, sync state, incidents", sql: version3),
        SchemaMigration(version: 4, summary: "secrets: AES-GCM sealed values with versions", sql: version4),
        SchemaMigration(version: 5, summary: "server_sync: trusted host keys, facts, deploy markers, provisioning state", sql: version5),
        SchemaMigration(version: 6, summary: "health checks: per-project counter and last result, last round", sql: version6),
        SchemaMigration(version: 7, summary: graphSummary, sql: graphCheckpoints),
        SchemaMigration(version: 8, summary: "incidents.acknowledged_at: the PO reports each incident once", sql: version8),
        SchemaMigration(version: 9, summary: "projects: implemented change requests, engineering and zavhoz status", sql: maintenance),
        SchemaMigration(version: 10, summary: "forge_pages.owner_kind: a user's forge is listed without an /orgs 404 first", sql: version10),
        SchemaMigration(version: 11, summary: "projects.repo_origin and proposal: whether Steward created the repo; the agents' branch waiting for a merge", sql: version11),
        SchemaMigration(version: 12, summary: "secret_key: the fingerprint of the master key the secrets are sealed with", sql: version12),
        SchemaMigration(version: 13, summary: "journal: the log lines of commands that act, for steward logs", sql: version13),
        SchemaMigration(version: 14, summary: "leases: keys held by one holder until they expire (the controller first)", sql: version14),
        SchemaMigration(version: 15, summary: "webhook_deliveries: GitHub delivery ids already acted on", sql: version15),
        SchemaMigration(version: 16, summary: "outbox: notifications written by triggers with what causes them", sql: version16),
        SchemaMigration(version: 17, summary: "projects.row_version: a store-wide sequence bumped by every write of a row", sql: version17),
        SchemaMigration(version: 18, summary: "suspensions: projects and servers suspended by steward suspend", sql: version18),
        SchemaMigration(version: 19, summary: "drift: each project's last drift check; run_tasks.diff", sql: version19),
        SchemaMigration(version: 20, summary: "pins: projects steward rollback --no-commit pinned to a commit", sql: version20),
        SchemaMigration(version: 21, summary: "runs.inputs: a deploy's inputs one by one, for steward diff", sql: version21),
        SchemaMigration(version: 22, summary: replicasSummary, sql: replicas),
    ]

    static let replicasSummary = "lease_audit: every lease taken and given up; key_requests: keys handed between replicas"

    /// Replicas (several `steward run` on one database). `lease_audit`: every acquire (`acquire`, or `takeover` of an
    /// expired or gone holder's lease, naming it) and release of a lease, with the holder and time, pruned by age with
    /// the journal; it proves that no key was held by two holders at once. `key_requests`: a key one replica found
    /// work for and another owns (consistent hashing), picked up by its owner.
    static let replicas = """
        CREATE TABLE lease_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL,
            holder TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('acquire', 'takeover', 'release')),
            previous TEXT,
            at REAL NOT NULL,
            expires_at REAL
        ) STRICT;
        CREATE INDEX lease_audit_by_key ON lease_audit (key, id);
        CREATE INDEX lease_audit_by_time ON lease_audit (at);
        CREATE TABLE key_requests (
            key TEXT PRIMARY KEY,
            requested_by TEXT NOT NULL,
            requested_at REAL NOT NULL
        ) STRICT;
        """

    /// JSON of `DeployInputs.components` (canonical, sorted keys); NULL for other runs and older deploys.
    private static let version21 = """
        ALTER TABLE runs ADD COLUMN inputs TEXT;
        """

    /// `steward rollback --no-commit`: the commit a project deploys instead of its `spec.ref` while its spec hash is the
    /// one pinned. The `Pinned` condition is written with each change (and recomputed by every save of the record).
    private static let version20 = """
        CREATE TABLE pins (
            project TEXT PRIMARY KEY REFERENCES projects (name) ON DELETE CASCADE,
            commit_id TEXT NOT NULL,
            spec_hash TEXT NOT NULL,
            reason TEXT NOT NULL,
            since REAL NOT NULL
        ) STRICT;
        """

    /// `steward drift`: the last check-mode run of each project's deploy and what it would change (tasks: JSON of
    /// TaskEvent with their diffs). The project's `Drifted` condition is written with each check (and recomputed by
    /// every save of its record). A project's row goes with the project.
    private static let version19 = """
        CREATE TABLE drift (
            project TEXT PRIMARY KEY REFERENCES projects (name) ON DELETE CASCADE,
            status TEXT NOT NULL,
            checked_at REAL NOT NULL,
            commit_id TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            run_id INTEGER,
            tasks TEXT NOT NULL,
            message TEXT NOT NULL,
            since REAL
        ) STRICT;
        ALTER TABLE run_tasks ADD COLUMN diff TEXT;
        """

    /// `steward suspend`: kept in the state, not in git. The object's `Suspended` condition is written with each change
    /// (and recomputed by every save of its record).
    private static let version18 = """
        CREATE TABLE suspensions (
            object_kind TEXT NOT NULL,
            object_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            since REAL NOT NULL,
            PRIMARY KEY (object_kind, object_name)
        ) STRICT;
        """

    /// Every insert or update of a project row takes the next number of one sequence (the largest so far plus one),
    /// so `(name, row_version)` names one content of one row for good, even across a delete and a new insert: the
    /// API's cache of encoded records re-reads only the rows whose number moved.
    private static let version17 = """
        ALTER TABLE projects ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;
        CREATE INDEX projects_by_row_version ON projects (row_version);
        CREATE TRIGGER projects_row_version_insert AFTER INSERT ON projects BEGIN
            UPDATE projects SET row_version = (SELECT max(row_version) FROM projects) + 1 WHERE name = NEW.name;
        END;
        CREATE TRIGGER projects_row_version_update AFTER UPDATE ON projects BEGIN
            UPDATE projects SET row_version = (SELECT max(row_version) FROM projects) + 1 WHERE name = NEW.name;
        END;
        UPDATE projects SET row_version = rowid;
        """

    /// The notification outbox. Triggers write a message in the transaction that records its cause (an incident opened
    /// or resolved, a deploy run finished, an agent's question or block), so a crash never loses one; the sender fans
    /// each out to the configured receivers (`notification_deliveries`, one row per receiver: its attempts and when it
    /// was sent) and marks it `fanned_out`.
    private static let version16 = """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event TEXT NOT NULL,
            object_kind TEXT NOT NULL,
            object_name TEXT NOT NULL,
            project TEXT,
            message TEXT NOT NULL,
            created_at REAL NOT NULL,
            fanned_out INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX outbox_unfanned ON outbox (id) WHERE fanned_out = 0;
        CREATE TABLE notification_deliveries (
            outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
            notification TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            sent_at REAL,
            last_error TEXT,
            PRIMARY KEY (outbox_id, notification)
        ) STRICT;
        CREATE INDEX notification_deliveries_due ON notification_deliveries (next_attempt_at) WHERE status = 'pending';
        CREATE TRIGGER outbox_incident_opened AFTER INSERT ON incidents BEGIN
            INSERT INTO outbox (event, object_kind, object_name, project, message, created_at)
            VALUES ('incident', NEW.object_kind, NEW.object_name,
                CASE NEW.object_kind WHEN 'Project' THEN NEW.object_name END,
                NEW.kind || ' (' || NEW.severity || ') on ' || NEW.object_kind || ' ' || NEW.object_name || ': ' || NEW.message,
                NEW.opened_at);
        END;
        CREATE TRIGGER outbox_incident_resolved AFTER UPDATE OF status ON incidents
            WHEN NEW.status = 'resolved' AND OLD.status <> 'resolved' BEGIN
            INSERT INTO outbox (event, object_kind, object_name, project, message, created_at)
            VALUES ('incident_resolved', NEW.object_kind, NEW.object_name,
                CASE NEW.object_kind WHEN 'Project' THEN NEW.object_name END,
                NEW.kind || ' on ' || NEW.object_kind || ' ' || NEW.object_name || ' resolved: ' || NEW.message, NEW.updated_at);
        END;
        CREATE TRIGGER outbox_agent_waits AFTER INSERT ON events
            WHEN NEW.reason IN ('WaitingForAnswer', 'EngineeringBlocked') BEGIN
            INSERT INTO outbox (event, object_kind, object_name, project, message, created_at)
            VALUES (CASE NEW.reason WHEN 'WaitingForAnswer' THEN 'question' ELSE 'blocked' END, NEW.object_kind,
                NEW.object_name, CASE NEW.object_kind WHEN 'Project' THEN NEW.object_name END,
                NEW.object_kind || ' ' || NEW.object_name || ': ' || NEW.message, NEW.time);
        END;
        CREATE TRIGGER outbox_deploy_finished AFTER UPDATE OF status ON runs
            WHEN NEW.kind = 'deploy' AND OLD.status = 'running' AND NEW.status IN ('succeeded', 'failed', 'timed_out', 'unreachable')
            BEGIN
            INSERT INTO outbox (event, object_kind, object_name, project, message, created_at)
            VALUES (CASE NEW.status WHEN 'succeeded' THEN 'deploy_succeeded' ELSE 'deploy_failed' END, 'Project',
                coalesce(NEW.project, '-'), NEW.project,
                'deploy of ' || coalesce(NEW.project, '-') || ' ' || NEW.status
                    || coalesce(' (commit ' || substr(NEW.commit_id, 1, 12) || ')', '')
                    || coalesce(' at task "' || NEW.failed_task || '"', ''),
                coalesce(NEW.finished_at, NEW.started_at));
        END;
        """

    /// The newest GitHub webhook delivery ids (`X-GitHub-Delivery`), so a redelivery enqueues nothing new; bounded
    /// through the primary key.
    private static let version15 = """
        CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            delivery TEXT NOT NULL UNIQUE,
            event TEXT NOT NULL,
            received_at REAL NOT NULL
        ) STRICT;
        """

    /// A key held by one holder until `expires_at` unless renewed: `controller` (one `steward run` per state dir),
    /// and per-key leases later.
    private static let version14 = """
        CREATE TABLE leases (
            key TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            acquired_at REAL NOT NULL,
            renewed_at REAL NOT NULL,
            expires_at REAL NOT NULL
        ) STRICT;
        """

    /// Every log line of a command that acts (`steward logs`); `project`, `server` and `action` apart for filters, the
    /// other fields as a JSON object. Pruned by age and count.
    private static let version13 = """
        CREATE TABLE journal (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time REAL NOT NULL,
            level TEXT NOT NULL,
            message TEXT NOT NULL,
            project TEXT,
            server TEXT,
            action TEXT,
            fields TEXT NOT NULL
        ) STRICT;
        CREATE INDEX journal_by_time ON journal (time);
        CREATE INDEX journal_by_project ON journal (project, id) WHERE project IS NOT NULL;
        CREATE INDEX journal_by_server ON journal (server, id) WHERE server IS NOT NULL;
        """

    /// One row: an HMAC of a constant under the master key (never the key), recorded by the first command that
    /// seals or opens a secret; every later one compares it first.
    private static let version12 = """
        CREATE TABLE secret_key (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            fingerprint TEXT NOT NULL,
            recorded_at REAL NOT NULL
        );
        """

    /// Who made the project's repo (NULL: not known yet, treated as adopted). Records from before this
    /// version stay NULL: Steward cannot tell now whether a person wrote in them, so agents never push there.
    private static let version11 = """
        ALTER TABLE projects ADD COLUMN repo_origin TEXT CHECK (repo_origin IN ('created', 'adopted'));
        ALTER TABLE projects ADD COLUMN proposal TEXT;
        """

    /// Whether the forge's owner is an organization or a user, as the last listing found (NULL: not known).
    private static let version10 = """
        ALTER TABLE forge_pages ADD COLUMN owner_kind TEXT CHECK (owner_kind IN ('organization', 'user'));
        """

    /// Maintenance and the agents' status on the project record: the change requests engineered so far (a new
    /// one on an active project starts maintenance) and the graph's engineering_status / zavhoz_status. Projects
    /// the engineering graph already took to verified or beyond (a brief, so agents built them; their review
    /// approves only with every change implemented) start with their current change requests implemented.
    private static let maintenance = """
        ALTER TABLE projects ADD COLUMN implemented_changes TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE projects ADD COLUMN engineering_status TEXT NOT NULL DEFAULT 'idle'
            CHECK (engineering_status IN ('idle', 'working', 'blocked'));
        ALTER TABLE projects ADD COLUMN zavhoz_status TEXT NOT NULL DEFAULT 'idle'
            CHECK (zavhoz_status IN ('idle', 'working', 'done'));
        UPDATE projects SET implemented_changes = (
            SELECT json_group_array(json_extract(change.value, '$.id')) FROM json_each(projects.spec, '$.changes') AS change)
        WHERE spec IS NOT NULL AND json_extract(spec, '$.brief') IS NOT NULL
            AND phase IN ('verified', 'deploying', 'active');
        """

    /// When the person was shown an incident (by `steward ask`); NULL until then.
    private static let version8 = """
        ALTER TABLE incidents ADD COLUMN acknowledged_at REAL;
        CREATE INDEX incidents_unacknowledged ON incidents (id) WHERE acknowledged_at IS NULL;
        """

    /// server_sync and provisioning: the trusted host key, facts and deploy markers read from the server, when it
    /// was last checked and seen, provisioning attempts and inputs; the sync's own last attempt (its interval).
    private static let version5 = """
        ALTER TABLE servers ADD COLUMN host_key TEXT;
        ALTER TABLE servers ADD COLUMN facts TEXT;
        ALTER TABLE servers ADD COLUMN last_seen_at REAL;
        ALTER TABLE servers ADD COLUMN last_checked_at REAL;
        ALTER TABLE servers ADD COLUMN provision_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE servers ADD COLUMN provisioned_hash TEXT;
        ALTER TABLE servers ADD COLUMN deploy_markers TEXT NOT NULL DEFAULT '{}';

        CREATE TABLE server_sync_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_attempt_at REAL,
            last_success_at REAL
        ) STRICT;
        CREATE INDEX runs_server ON runs (server, id);
        """

    /// The health_checker: per project its consecutive failures and last result (the counter survives
    /// restarts), and when the last round started (`intervals.healthCheck` holds across processes).
    private static let version6 = """
        CREATE TABLE health_checks (
            project TEXT PRIMARY KEY NOT NULL,
            url TEXT NOT NULL,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_status TEXT NOT NULL CHECK (last_status IN ('healthy', 'unhealthy')),
            last_code INTEGER,
            last_error TEXT,
            last_checked_at REAL NOT NULL,
            last_healthy_at REAL,
            down_since REAL
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE health_checker (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_run_at REAL NOT NULL
        ) STRICT;
        """

    static let graphSummary = "agent graph: checkpoints (deltas + snapshots), recorded effects, thread leases"

    /// The agent graph's journal: one row per checkpoint (a step's writes and the thread's position, a full
    /// snapshot every few rows), each side effect a node recorded, and the lease of a running thread.
    private static let graphCheckpoints = """
        CREATE TABLE graph_checkpoints (
            thread TEXT NOT NULL,
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            status TEXT NOT NULL,
            nodes TEXT NOT NULL,
            payload BLOB NOT NULL,
            snapshot BLOB,
            created_at REAL NOT NULL,
            PRIMARY KEY (thread, seq)
        ) STRICT;
        CREATE INDEX graph_checkpoints_snapshots ON graph_checkpoints (thread, seq) WHERE snapshot IS NOT NULL;

        CREATE TABLE graph_effects (
            thread TEXT NOT NULL,
            step INTEGER NOT NULL,
            node TEXT NOT NULL,
            name TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            result BLOB,
            started_at REAL NOT NULL,
            finished_at REAL,
            PRIMARY KEY (thread, step, node, name)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE graph_leases (
            thread TEXT PRIMARY KEY NOT NULL,
            owner TEXT NOT NULL,
            expires_at REAL NOT NULL
        ) STRICT;
        """

    /// Project secrets, sealed (AES-GCM, the project and name authenticated) before they reach the store.
    private static let version4 = """
        CREATE TABLE secrets (
            project TEXT NOT NULL,
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            sealed BLOB NOT NULL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (project, name)
        ) STRICT, WITHOUT ROWID;
        """


    /// The forge sync: the archived flag per project, listing pages kept with their ETags (a 304
    /// reuses them), the per-owner failure counter (survives restarts), and incidents (one open per kind and object).
    private static let version3 = """
        ALTER TABLE projects ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE forge_pages (
            owner TEXT NOT NULL,
            page INTEGER NOT NULL,
            etag TEXT,
            has_next INTEGER NOT NULL,
            repositories TEXT NOT NULL,
            PRIMARY KEY (owner, page)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE forge_sync (
            owner TEXT PRIMARY KEY NOT NULL,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_attempt_at REAL,
            last_success_at REAL,
            last_error TEXT
        ) STRICT;

        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            object_kind TEXT NOT NULL,
            object_name TEXT NOT NULL,
            message TEXT NOT NULL,
            opened_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            resolved_at REAL
        ) STRICT;
        CREATE UNIQUE INDEX incidents_open_per_object ON incidents (kind, object_kind, object_name)
            WHERE status IN ('detected', 'recovering');
        """


    /// A complete pass records a digest of the repos, servers, playbooks and settings it planned against;
    /// the next pass plans only projects whose manifest or record changed when that digest is the same.
    private static let version2 = """
        ALTER TABLE reconciles ADD COLUMN world_digest TEXT;
        """


    private static let version1 = """
        CREATE TABLE projects (
            name TEXT PRIMARY KEY NOT NULL,
            repo TEXT,
            github_repo_id INTEGER,
            manifest_path TEXT,
            phase TEXT NOT NULL,
            resume_phase TEXT,
            fail_count INTEGER NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL DEFAULT 0,
            observed_generation INTEGER NOT NULL DEFAULT 0,
            spec_hash TEXT,
            spec TEXT,
            conditions TEXT NOT NULL DEFAULT '[]',
            server TEXT,
            port INTEGER,
            last_deploy_input_hash TEXT,
            last_deploy_commit TEXT,
            last_deployed_at REAL,
            orphaned INTEGER NOT NULL DEFAULT 0 CHECK (orphaned IN (0, 1)),
            updated_at REAL NOT NULL
        ) STRICT;
        -- The forge's id confirms a 404 and survives renames.
        CREATE INDEX projects_by_github_repo_id ON projects (github_repo_id) WHERE github_repo_id IS NOT NULL;

        CREATE TABLE servers (
            name TEXT PRIMARY KEY NOT NULL,
            manifest_path TEXT,
            status TEXT NOT NULL,
            fail_count INTEGER NOT NULL DEFAULT 0,
            generation INTEGER NOT NULL DEFAULT 0,
            observed_generation INTEGER NOT NULL DEFAULT 0,
            spec_hash TEXT,
            spec TEXT,
            conditions TEXT NOT NULL DEFAULT '[]',
            orphaned INTEGER NOT NULL DEFAULT 0 CHECK (orphaned IN (0, 1)),
            updated_at REAL NOT NULL
        ) STRICT;

        -- Events outlive their objects (a deletion is itself an event), so no foreign keys.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time REAL NOT NULL,
            object_kind TEXT NOT NULL,
            object_name TEXT NOT NULL,
            type TEXT NOT NULL,
            reason TEXT NOT NULL,
            message TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_by_object ON events (object_kind, object_name, time, id);
        CREATE INDEX events_by_time ON events (time, id);

        -- Runs are history: they stay when their project or server goes.
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            project TEXT,
            server TEXT,
            playbook TEXT NOT NULL,
            input_hash TEXT NOT NULL,
            commit_id TEXT,
            status TEXT NOT NULL,
            exit_code INTEGER,
            failed_task TEXT,
            failed_host TEXT,
            started_at REAL NOT NULL,
            finished_at REAL
        ) STRICT;
        CREATE INDEX runs_by_project ON runs (project, id);
        CREATE INDEX runs_running ON runs (id) WHERE status = 'running';

        CREATE TABLE run_tasks (
            run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            host TEXT NOT NULL,
            task TEXT NOT NULL,
            status TEXT NOT NULL,
            duration_ms INTEGER NOT NULL,
            message TEXT,
            PRIMARY KEY (run_id, seq)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE reconciles (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            commit_id TEXT,
            ref TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            result TEXT NOT NULL,
            actions INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        -- Parsed manifests by git blob id: content-addressed, so an entry never goes stale, only unused.
        -- last_used is when the entry was last written; pruning by age can key on it later.
        CREATE TABLE manifest_cache (
            blob_id TEXT PRIMARY KEY NOT NULL,
            payload BLOB NOT NULL,
            last_used REAL NOT NULL
        ) STRICT;

        -- The database, not the allocator's loop, guarantees one project per port on a server.
        CREATE TABLE allocations (
            server TEXT NOT NULL,
            port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
            project TEXT NOT NULL,
            PRIMARY KEY (server, port)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX allocations_by_project ON allocations (project, server);
        """
}
