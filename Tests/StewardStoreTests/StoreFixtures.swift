import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
@testable import StewardStore

/// A store on a fresh database of either engine: SQLite in a temporary state directory, or a database of its own
/// on the test PostgreSQL server (`PostgresTestDatabase`), dropped when the fixture goes. The state directory exists
/// for both, as it does for a controller on PostgreSQL (its checkouts and playbooks stay local). Opening a database
/// (PostgreSQL's CREATE DATABASE and migrations above all) is blocking work, so it runs off the cooperative pool
/// (`BlockingWork`), where it would stall the other tests' servers.
final class StoreFixture: @unchecked Sendable {
    let engine: SQLDialect
    let directory: TemporaryDirectory
    let location: StoreLocation
    let store: SQLStateStore
    private let postgres: PostgresTestDatabase?

    init(_ engine: SQLDialect = .sqlite, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        self.engine = engine
        directory = try TemporaryDirectory(prefix: "steward-store")
        switch engine {
        case .sqlite:
            postgres = nil
            location = .sqlite(directory: directory.url)
        case .postgres:
            let database = try await BlockingWork.run("test.postgres") { try PostgresTestDatabase(migrated: true) }
            postgres = database
            location = .postgres(url: database.url)
        }
        let location = location
        store = try await BlockingWork.run("test.store") { try SQLStateStore(location, now: now) }
    }

    var stateDirectory: URL { directory.url }
    /// The SQLite file (SQLite-only tests).
    var databasePath: String { store.databaseURL?.path ?? store.location }

    /// Another store on the same database, as a second process would open it.
    func reopen(readOnly: Bool = false, now: @escaping @Sendable () -> Date = { Date() }) async throws -> SQLStateStore {
        let location = location
        return try await BlockingWork.run("test.store") { try SQLStateStore(location, readOnly: readOnly, now: now) }
    }

    /// A raw connection to the same database, for reaching past the store in tests.
    func rawDatabase() throws -> any SQLConnection {
        switch location {
        case .sqlite: try SQLiteDatabase(path: databasePath, mode: .readWriteCreate)
        case .postgres(let url): try PostgresConnection(url: url)
        }
    }

    /// A raw SQLite connection (SQLite-only tests).
    func rawSQLite() throws -> SQLiteDatabase {
        try SQLiteDatabase(path: databasePath, mode: .readWriteCreate)
    }
}

/// A database of its own on the test PostgreSQL server (`STEWARD_TEST_POSTGRES_URL`, which `scripts/test.sh` starts),
/// created empty (or, `migrated`, as a copy of one template this process migrated once: a hundred tests each applying
/// the schema would load the 2 cores the other tests share) and dropped, with any session still on it, when this value
/// goes.
final class PostgresTestDatabase: @unchecked Sendable {
    let name: String
    let url: String
    private let serverURL: String

    init(migrated: Bool = false) throws {
        serverURL = try PostgresConnectionTests.serverURL()
        name = "steward_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let template = migrated ? try Self.template(serverURL) : nil
        try PostgresConnection(url: serverURL).execute("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""))
        url = Self.url(serverURL, database: name)
    }

    private static let templateLock = NSLock()
    nonisolated(unsafe) private static var templateName: String?

    /// The migrated template of this process, made on first use (no session stays on it, so it can be copied).
    private static func template(_ serverURL: String) throws -> String {
        try templateLock.withLock {
            if let templateName { return templateName }
            let name = "steward_template_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try PostgresConnection(url: serverURL).execute("CREATE DATABASE \(name)")
            _ = try SQLStateStore(.postgres(url: url(serverURL, database: name)))
            templateName = name
            return name
        }
    }

    /// `server` with its database path replaced.
    static func url(_ server: String, database: String) -> String {
        guard var components = URLComponents(string: server) else { return server }
        components.path = "/" + database
        return components.string ?? server
    }

    deinit {
        // Dropped on a queue of its own: a test's last reference may go on the cooperative pool.
        let serverURL = serverURL
        let name = name
        DispatchQueue.global().async {
            try? PostgresConnection(url: serverURL).execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

/// Sample records with every field set, with dates that need all 52 bits of their Double.
enum Samples {
    static let time = Date(timeIntervalSinceReferenceDate: 786_000_000.123_456_789)

    static func condition(_ type: String, at offset: TimeInterval = 0) -> Condition {
        Condition(
            type: type, status: .false, reason: "DeployFailed", message: "task \"start\" failed: exit 1",
            lastTransitionTime: time + offset
        )
    }

    static func projectSpec() -> ProjectSpec {
        ProjectSpec(
            repo: "acme/shop", brief: "A shop.\nSecond line with unicode: ✓ and \"quotes\"",
            changes: [.init(id: "c1", description: "add cart"), .init(id: "c2", description: "add checkout")],
            stage: .verified, ref: "v1.2.3", server: "alpha", resources: .init(memoryMB: 256, ports: 2),
            deploy: .init(playbook: "custom/deploy.yml", strategy: .blueGreen, healthPath: "/healthz", command: "./run"),
            env: "TOKEN=${secret:TOKEN}\n", suspend: true
        )
    }

    static func serverSpec() -> ServerSpec {
        ServerSpec(
            address: "10.0.0.7", port: 2222, user: "ops", bootstrapUser: "admin", connection: .local,
            hostKey: "ssh-ed25519 AAAAC3Nza",
            capacity: .init(memoryMB: 4096, ports: PortRange(lower: 9000, upper: 9100)),
            labels: ["zone": "a", "tier": "web"]
        )
    }

    /// A project with every optional field set.
    /// Its spec says `suspend: true`, so it carries the `Suspended` condition the store keeps for it.
    static func fullProject(_ name: String = "shop") -> ProjectRecord {
        var conditions = [condition("Ready"), condition("Stalled", at: 1)]
        conditions.applySuspension(nil, inManifest: true, at: time)
        return ProjectRecord(
            name: name, repo: "acme/\(name)", githubRepoID: 9_007_199_254_740_993, manifestPath: "projects/\(name).yaml",
            phase: .waitingForResources, resumePhase: .deploying, failCount: 3, generation: 7, observedGeneration: 6,
            specHash: "sha256:abc", spec: projectSpec(), conditions: conditions,
            server: "alpha", port: 8042, lastDeployInputHash: "hash-1", lastDeployCommit: "0123abcd",
            lastDeployedAt: Date(), orphaned: true, updatedAt: Date()
        )
    }

    /// A project with every optional field nil.
    static func minimalProject(_ name: String = "bare") -> ProjectRecord {
        ProjectRecord(name: name, phase: .discovered, updatedAt: time)
    }

    static func fullServer(_ name: String = "alpha") -> ServerRecord {
        ServerRecord(
            name: name, manifestPath: "servers/\(name).yaml", status: .ready, failCount: 2, generation: 4,
            observedGeneration: 4, specHash: "sha256:def", spec: serverSpec(), conditions: [condition("Ready")],
            orphaned: true, updatedAt: Date(), hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5",
            facts: ServerFacts(
                memoryMB: 2048, memoryFreeMB: 1500, diskFreeMB: 30_000, os: "Debian 12.11", kernel: "6.1.0",
                python: "3.11.2", hasSystemd: true, appsDirectory: "/home/ops/.steward/apps"),
            lastSeenAt: Date(), lastCheckedAt: Date(timeIntervalSinceNow: 1), provisionAttempts: 2,
            provisionedHash: "inputs-1",
            deployMarkers: ["shop": DeployMarker(
                project: "shop", commit: "0123abcd", inputHash: "h", port: 9001, command: "./run", strategy: "blueGreen",
                slot: "green", time: "2026-11-25T10:00:00Z")]
        )
    }

    static func event(
        _ name: String, kind: String = "Project", reason: String = "PhaseChanged", at seconds: TimeInterval = 0,
        type: EventRecord.EventType = .normal
    ) -> EventRecord {
        EventRecord(
            time: time + seconds, objectKind: kind, objectName: name, type: type, reason: reason,
            message: "\(name) \(reason) at +\(seconds)"
        )
    }
}

extension Array where Element == EventRecord {
    /// The events without their store-assigned ids, to compare with what was appended.
    var withoutIDs: [EventRecord] {
        map { event in
            var event = event
            event.id = nil
            return event
        }
    }
}
