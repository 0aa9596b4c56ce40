import Foundation
import StewardTestSupport
import Testing

/// Two `steward run` replicas on one PostgreSQL database (issue 18): they share the projects (each processes the keys
/// the ring gives it), one killed with -9 leaves its keys to the other, and the lease audit shows that no key was ever
/// held by both at once. Each replica has a state dir of its own; their `apps` folder is one directory, as one server's
/// disk would be (a `connection: local` server is otherwise each replica's own).
@Suite(.serialized)
struct ReplicaIntegrationTests {
    static let projects = (1...6).map { "app\($0)" }

    /// psql's unaligned, tuples-only output of `sql` against `url`.
    static func psql(_ url: String, _ sql: String) async throws -> [String] {
        try await run(["psql", url, "-At", "-F", "|", "-c", sql]).split(separator: "\n").map(String.init)
    }

    @Test func twoReplicasShareTheKeysAndOneKilledLeavesItsKeysToTheOther() async throws {
        try await StewardBinary.requireAnsible()
        let store = try await PostgresStoreIntegrationTests.createDatabase()
        let config = try await GitFixture()
        let app = try await GitFixture()
        let shared = try TemporaryDirectory(prefix: "steward-replica-apps")
        let states = [try TemporaryDirectory(prefix: "steward-replica-a"), try TemporaryDirectory(prefix: "steward-replica-b")]
        let output = try TemporaryDirectory(prefix: "steward-replicas")
        defer {
            for pidFile in (try? FileManager.default.contentsOfDirectory(atPath: shared.path)) ?? [] {
                killSupervisedApp(pidFile: shared.path + "/" + pidFile + "/supervisor.pid")
            }
        }
        try copyTree(StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/app"), into: app.workTree)
        try await app.commit("hello app")
        for state in states {
            let forge = state.url.appendingPathComponent("forge/quickstart")
            try FileManager.default.createDirectory(at: forge, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: forge.appendingPathComponent("hello.git").path, withDestinationPath: app.bare)
            try FileManager.default.createSymbolicLink(atPath: state.path + "/apps", withDestinationPath: shared.path)
        }
        // One local server per project, each with one free port.
        var ports: [String: Int] = [:]
        func writeConfig(greeting: String) async throws {
            try config.write("steward.yaml", """
                apiVersion: steward/v1
                kind: Settings
                forge: {provider: local, path: forge}
                intervals: {resync: 30}
                """)
            for name in Self.projects {
                let port = try ports[name] ?? freePort()
                ports[name] = port
                try config.write("manifests/\(name).yaml", """
                    apiVersion: steward/v1
                    kind: Server
                    metadata: {name: \(name)-host}
                    spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 256, ports: "\(port)-\(port)"}}
                    ---
                    apiVersion: steward/v1
                    kind: Project
                    metadata: {name: \(name)}
                    spec:
                      repo: quickstart/hello
                      stage: active
                      server: \(name)-host
                      deploy: {strategy: recreate, healthPath: /health}
                      env: |
                        GREETING=\(greeting)
                    """)
            }
            _ = try await config.commit("greeting \(greeting)")
        }
        try await writeConfig(greeting: "one")

        func start(_ index: Int) throws -> Process {
            let log = try FileHandle(forWritingTo: output.write("replica-\(index).out", ""))
            return try StewardBinary.start(
                ["run", "--interval", "1", "--listen", "127.0.0.1:0", "--config-repo", config.bare, "--state-dir", states[index].path],
                environment: ["STEWARD_STORE_URL": store], output: log)
        }
        func logText(_ index: Int) -> String {
            (try? String(contentsOf: output.url.appendingPathComponent("replica-\(index).out"), encoding: .utf8)) ?? ""
        }
        func greetings() async -> [String: String] {
            var seen: [String: String] = [:]
            for (name, port) in ports { seen[name] = await httpGet("http://127.0.0.1:\(port)/") }
            return seen
        }
        func allGreet(_ word: String) async -> Bool {
            await greetings().values.filter { $0.contains(word) }.count == Self.projects.count
        }

        let first = try start(0)
        let second = try start(1)
        defer {
            for process in [first, second] where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        try await waitUntil("every app deployed by the two replicas", limit: Patience.base * 3,
            every: .milliseconds(500), detail: { "\(await greetings())\n\(logText(0).suffix(3000))\n\(logText(1).suffix(3000))" }) {
            await allGreet("one")
        }
        let members = try await Self.psql(store, "SELECT holder FROM leases WHERE key LIKE 'replica/%' ORDER BY holder")
        #expect(members.count == 2, "both replicas are members: \(members)")
        #expect(logText(0).contains("replicas: 2 live") || logText(1).contains("replicas: 2 live"))
        // Both worked: each took keys of its own (6 projects, 6 servers and 3 singletons over two replicas).
        let holders = try await Self.psql(store, "SELECT DISTINCT holder FROM lease_audit WHERE key NOT LIKE 'replica/%'")
        #expect(holders.count == 2, "keys were processed by \(holders)")

        // One replica dies; a change of every project is then deployed by the other, which takes the dead one's keys.
        let killedAt = Date().timeIntervalSinceReferenceDate
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        try await writeConfig(greeting: "two")
        try await waitUntil("every app redeployed by the replica that is left", limit: Patience.base * 3,
            every: .milliseconds(500), detail: { "\(await greetings())\n\(logText(1).suffix(4000))" }) {
            await allGreet("two")
        }
        #expect(logText(1).contains("replicas: 1 live"), "the survivor saw the ring shrink")

        // No key was held by two holders at once: per key, every acquire follows a release of the previous holder or
        // takes over a lease that had expired or whose process was gone.
        let audit = try await Self.psql(store, "SELECT key, holder, action, coalesce(previous, '') FROM lease_audit ORDER BY id")
        var holder: [String: String] = [:]
        for row in audit {
            let fields = row.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { continue }
            let (key, who, action, previous) = (fields[0], fields[1], fields[2], fields[3])
            switch action {
            case "acquire": #expect(holder[key] == nil, "\(key) acquired by \(who) while \(holder[key] ?? "") held it")
            case "takeover": #expect(holder[key] == nil || holder[key] == previous, "\(key) taken from \(previous)")
            default: #expect(holder[key] == who, "\(key) released by \(who), held by \(holder[key] ?? "nobody")")
            }
            holder[key] = action == "release" ? nil : who
        }
        // No two deploys of one project overlapped in time. A deploy the killed replica had begun stays `running` in the
        // store until the replica that takes its project's key marks it `interrupted` (its end is then that moment,
        // not the kill), so those are held to have begun before the kill.
        let overlaps = try await Self.psql(store, """
            SELECT a.project FROM runs a JOIN runs b ON a.project = b.project AND a.id < b.id
            WHERE a.kind = 'deploy' AND b.kind = 'deploy' AND a.status <> 'interrupted'
                AND b.started_at < coalesce(a.finished_at, 1e300)
            """)
        #expect(overlaps.isEmpty, "deploys overlapped: \(overlaps)")
        let lateInterrupted = try await Self.psql(store,
            "SELECT id FROM runs WHERE status = 'interrupted' AND started_at >= \(killedAt)")
        #expect(lateInterrupted.isEmpty, "only the killed replica's runs are interrupted: \(lateInterrupted)")
        // Stopped gracefully, the survivor finishes its deploys; what the dead replica began it has marked interrupted.
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        let stillRunning = try await Self.psql(store, "SELECT id, project FROM runs WHERE status = 'running'")
        #expect(stillRunning.isEmpty, "the survivor marked the dead replica's runs interrupted: \(stillRunning)")
        #expect(try await Self.psql(store, "SELECT count(*) FROM leases WHERE key NOT LIKE 'replica/%' AND holder NOT LIKE '%:\(first.processIdentifier):%'")
            == ["0"], "a graceful stop releases every lease")
    }
}
