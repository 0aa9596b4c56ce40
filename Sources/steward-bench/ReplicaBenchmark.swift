import CMalloc
import Foundation
import Logging
import StewardAnsible
import StewardCore
import StewardGit
import StewardModel
import StewardStore
import StewardTestSupport

/// `steward-bench replicas [PROJECTS] [DEPLOYS]` (issue 18's performance targets): a converged fleet of PROJECTS
/// projects on 10 local servers (every deploy recorded by a runner that succeeds at once, as the controller benchmark
/// does; each project deploys with a one-task playbook of the config repo on localhost), then, for SQLite with one
/// controller and PostgreSQL with 1, 2 and 3 replicas, each on a fresh copy of that state:
/// - the first settle, every key reconciled once by the replicas together (the complete resync a start makes), wall
///   and CPU;
/// - deploy throughput: one commit changes DEPLOYS projects; from the commit to the last of their deploys recorded,
///   each a real `ansible-playbook` run.
/// Each replica is a child process running `steward run`'s `Controller` with its leases and ring membership, as
/// `steward run` wires them (without the HTTP server and health checks: no app runs). PostgreSQL is a private server
/// (`scripts/postgres.sh`) with fsync on and `synchronous_commit = off`, the durability of SQLite's WAL with
/// `synchronous = NORMAL`.
struct ReplicaBenchmark {
    var projects: Int
    var deploys: Int

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// One measured configuration: the store's engine and how many replicas share it.
    struct Setup {
        var postgres: Bool
        var replicas: Int
        var name: String { postgres ? "PostgreSQL, \(replicas) replica\(replicas == 1 ? "" : "s")" : "SQLite, 1 controller" }
    }

    func run() async throws {
        guard (try? await StewardTestSupport.run(["ansible-playbook", "--version"])) != nil else {
            report("ansible-playbook is missing: apt-get install ansible")
            exit(1)
        }
        let work = try TemporaryDirectory(prefix: "steward-bench-replicas")
        let baseline = work.url.appendingPathComponent("baseline")
        let config = try await GitFixture()
        defer {
            for directory in [work.url, config.root.url] { try? FileManager.default.removeItem(at: directory) }
        }
        report("replicas: \(projects) projects, \(ControllerBenchmark.servers) local servers, \(deploys) deploys per setup, "
            + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        try ControllerBenchmark.writeFleet(config, projects: projects) { Self.project($0, round: $1) }
        try config.write("playbooks/trivial.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: Deploy
                  ansible.builtin.debug: {msg: "{{ inventory_hostname }}"}
            """)
        try await config.commit("bench config")
        // The change every setup deploys, on a branch of its own: DEPLOYS projects spread over the fleet.
        let changed = (0..<deploys).map { $0 * projects / deploys }
        for index in changed { try config.write("manifests/projects/p-\(index).yaml", Self.project(index, round: 1)) }
        let change = try await config.commit("change \(deploys) projects", branch: "change")
        _ = try await StewardTestSupport.run(["git", "-C", config.workTree, "reset", "-q", "--hard", "HEAD~1"])

        // The forge and the local servers' apps folder live beside the states, and every state links to them: replicas
        // sharing them compute the same deploy inputs (the paths resolve to the same place), so no copy of the baseline
        // state finds 10,000 changed projects.
        let shared = work.url.appendingPathComponent("shared")
        try await ControllerBenchmark.seedForge(shared.appendingPathComponent("forge/bench"))
        try FileManager.default.createDirectory(at: shared.appendingPathComponent("apps"), withIntermediateDirectories: true)
        try Self.makeState(baseline, shared: shared)
        let started = ContinuousClock.now
        let setup = try await ControllerBenchmark.reconciler(config: config.bare, state: baseline, runner: FakePlaybookRunner())
            .reconcile()
        guard setup.outcome == .converged else {
            report("setup did not converge: \(setup.failures.prefix(3)) \(setup.pending.prefix(3))")
            exit(1)
        }
        report("converged fleet set up in \(ContinuousClock.now - started) (\(setup.playbookRuns) recorded deploys)")

        let postgres = work.url.appendingPathComponent("pg")
        let serverURL = try await Self.startPostgres(postgres)
        defer { _ = try? runBlocking([Self.root.appendingPathComponent("scripts/postgres.sh").path, "stop", postgres.path]) }
        let setups = [Setup(postgres: false, replicas: 1)] + (1...3).map { Setup(postgres: true, replicas: $0) }
        var results: [String] = []
        for (number, setupCase) in setups.enumerated() {
            let branch = "bench-\(number)"
            _ = try await StewardTestSupport.run(["git", "-C", config.bare, "update-ref", "refs/heads/\(branch)", "refs/heads/main"])
            let directory = work.url.appendingPathComponent("setup-\(number)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let store: String
            var states: [URL] = []
            if setupCase.postgres {
                let database = "bench_\(number)"
                _ = try await StewardTestSupport.run(["psql", serverURL, "-q", "-c", "CREATE DATABASE \(database)"])
                store = Self.url(serverURL, database: database)
                let copied = try ContinuousClock().measure {
                    _ = try StoreCopy.copy(from: .sqlite(directory: baseline), to: try StoreLocation(parsing: store))
                }
                report("\(setupCase.name): state copied to PostgreSQL in \(copied)")
                for replica in 0..<setupCase.replicas {
                    let state = directory.appendingPathComponent("replica-\(replica)")
                    try Self.makeState(state, shared: shared)
                    states.append(state)
                }
            } else {
                let state = directory.appendingPathComponent("state")
                try Self.makeState(state, shared: shared)
                // The setup's store is closed (its reconciler is gone), so the files are the whole database.
                for file in try FileManager.default.contentsOfDirectory(atPath: baseline.path) where file.hasPrefix(SQLStateStore.fileName) {
                    try FileManager.default.copyItem(
                        at: baseline.appendingPathComponent(file), to: state.appendingPathComponent(file))
                }
                store = "sqlite:" + state.path
                states = [state]
            }
            let result = try await measure(setupCase, store: store, states: states, config: config.bare, branch: branch,
                change: change, changed: changed, control: directory, postgres: postgres)
            results.append(result)
        }
        report("\nsummary:")
        for line in results { report(line) }
    }

    /// Runs one setup's replicas and measures their first settle and the deploys of the change.
    private func measure(
        _ setup: Setup, store: String, states: [URL], config: String, branch: String, change: String, changed: [Int],
        control: URL, postgres: URL
    ) async throws -> String {
        let go = control.appendingPathComponent("go")
        let stop = control.appendingPathComponent("stop")
        var children: [Process] = []
        var outputs: [URL] = []
        for (index, state) in states.enumerated() {
            let output = control.appendingPathComponent("replica-\(index).out")
            let errors = control.appendingPathComponent("replica-\(index).err")
            for file in [output, errors] { FileManager.default.createFile(atPath: file.path, contents: nil) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            // The URL (and the database password in it) goes through the environment, never argv.
            process.arguments = ["replicas-child", state.path, config, branch, control.path]
            process.environment = ProcessInfo.processInfo.environment.merging(["STEWARD_STORE_URL": store]) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
            children.append(process)
            outputs.append(output)
        }
        defer { for child in children where child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        func lines(_ prefix: String) -> [String] {
            outputs.compactMap { url in
                (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
            }
        }
        func failIfDead() throws {
            for (index, child) in children.enumerated() where !child.isRunning {
                let error = (try? String(contentsOf: control.appendingPathComponent("replica-\(index).err"), encoding: .utf8)) ?? ""
                throw BenchmarkFailure("replica \(index) exited (\(child.terminationStatus)): \(error.suffix(2000))")
            }
        }
        try await waitUntil("every replica to join", limit: .seconds(120), every: .milliseconds(20)) {
            try failIfDead()
            return lines("joined").count == states.count
        }
        let databaseCPU = Self.postgresCPU(postgres)
        FileManager.default.createFile(atPath: go.path, contents: nil)
        let goTime = ContinuousClock.now
        try await waitUntil("every replica to settle", limit: .seconds(1800), every: .milliseconds(20)) {
            try failIfDead()
            return lines("settled").count == states.count
        }
        let settleWall = Self.seconds(ContinuousClock.now - goTime)
        let settled = lines("settled").map(Self.fields)
        let settleCPU = settled.map { $0["cpu"] ?? 0 }.reduce(0, +)
        let settleDatabaseCPU = setup.postgres ? Self.postgresCPU(postgres) - databaseCPU : 0
        let keys = settled.map { Int($0["projects"] ?? 0) }
        report("\(setup.name): first settle \(String(format: "%.1f", settleWall)) s wall, "
            + "\(String(format: "%.1f", settleCPU)) s CPU in the replicas"
            + (setup.postgres ? String(format: ", %.1f s in PostgreSQL", settleDatabaseCPU) : "")
            + "; project keys per replica \(keys); config loaded after "
            + settled.map { String(format: "%.1f s", $0["loaded"] ?? 0) }.joined(separator: ", "))

        // The change: every replica's next poll (1 s) sees it; each deploys the changed projects it owns.
        let reader = try SQLStateStore(try StoreLocation(parsing: store), readOnly: true)
        let names = changed.map { "p-\($0)" }
        let databaseBefore = Self.postgresCPU(postgres)
        let pushed = Date()
        let pushedClock = ContinuousClock.now
        _ = try await StewardTestSupport.run(["git", "-C", config, "update-ref", "refs/heads/\(branch)", change])
        var done: [String: RunRecord] = [:]
        try await waitUntil("the \(names.count) deploys", limit: .seconds(3600), every: .milliseconds(250)) {
            try failIfDead()
            for name in names where done[name] == nil {
                if let run = try await reader.runs(project: name, limit: 1).first, run.kind == "deploy", run.startedAt > pushed,
                   run.finishedAt != nil {
                    done[name] = run
                }
            }
            return done.count == names.count
        }
        let deployWall = Self.seconds(ContinuousClock.now - pushedClock)
        let runs = Array(done.values)
        let failed = runs.filter { $0.status != .succeeded }.count
        let first = runs.map(\.startedAt).min() ?? pushed
        let last = runs.compactMap(\.finishedAt).max() ?? pushed
        let span = last.timeIntervalSince(first)
        // Each replica reports its CPU (with its `ansible-playbook` children) when it stops.
        FileManager.default.createFile(atPath: stop.path, contents: nil)
        try await waitUntil("every replica to stop", limit: .seconds(120), every: .milliseconds(50)) {
            children.allSatisfy { !$0.isRunning }
        }
        for (index, child) in children.enumerated() where child.terminationStatus != 0 {
            let error = (try? String(contentsOf: control.appendingPathComponent("replica-\(index).err"), encoding: .utf8)) ?? ""
            throw BenchmarkFailure("replica \(index) exited \(child.terminationStatus): \(error.suffix(2000))")
        }
        let deployCPU = lines("stopped").map(Self.fields).map { ($0["cpu_total"] ?? 0) - ($0["cpu_settled"] ?? 0) }.reduce(0, +)
        let deployDatabaseCPU = setup.postgres ? Self.postgresCPU(postgres) - databaseBefore : 0
        let line = String(format: "%@: first settle %.1f s wall (%.1f s CPU%@); %d deploys in %.1f s from the commit "
            + "(%.1f s first start to last end): %.2f deploys/s, %.2f s CPU each (replicas and Ansible%@), %d failed",
            setup.name, settleWall, settleCPU, setup.postgres ? String(format: " + %.1f s PostgreSQL", settleDatabaseCPU) : "",
            names.count, deployWall, span, Double(names.count) / span, deployCPU / Double(names.count),
            setup.postgres ? String(format: " + %.2f s PostgreSQL", deployDatabaseCPU / Double(names.count)) : "", failed)
        report(line)
        try? FileManager.default.removeItem(at: go)
        try? FileManager.default.removeItem(at: stop)
        return line
    }

    /// A state directory whose forge and apps folder are the shared ones.
    static func makeState(_ state: URL, shared: URL) throws {
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        for name in ["forge", "apps"] {
            try FileManager.default.createSymbolicLink(
                at: state.appendingPathComponent(name), withDestinationURL: shared.appendingPathComponent(name))
        }
    }

    /// Project `p-INDEX`: the controller benchmark's, deploying with the config repo's one-task playbook.
    static func project(_ index: Int, round: Int) -> String {
        ControllerBenchmark.project(index, round: round).replacingOccurrences(
            of: "deploy: {healthPath: /health}", with: "deploy: {playbook: trivial.yml, healthPath: /health}")
    }

    /// Starts the private PostgreSQL server; returns its URL.
    static func startPostgres(_ directory: URL) async throws -> String {
        let output = try await StewardTestSupport.run(
            [root.appendingPathComponent("scripts/postgres.sh").path, "start", directory.path],
            environment: ["STEWARD_PG_OPTIONS": "-c fsync=on -c synchronous_commit=off"])
        guard let url = output.split(separator: "=", maxSplits: 1).last.map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) }),
              url.hasPrefix("postgres") else {
            throw BenchmarkFailure("scripts/postgres.sh start printed no URL: \(output)")
        }
        return url
    }

    /// `server` with its database path replaced.
    static func url(_ server: String, database: String) -> String {
        guard var components = URLComponents(string: server) else { return server }
        components.path = "/" + database
        return components.string ?? server
    }

    /// CPU seconds the PostgreSQL server has used so far: the postmaster with its reaped children, and the live
    /// backends.
    static func postgresCPU(_ directory: URL) -> Double {
        guard let pidText = try? String(contentsOf: directory.appendingPathComponent("data/postmaster.pid"), encoding: .utf8),
              let postmaster = pidText.split(separator: "\n").first.flatMap({ Int32($0) }) else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after the command: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 14, let parent = Int32(fields[1]) else { continue }
            if pid == postmaster {
                total += (fields[11...14].compactMap { Double($0) }.reduce(0, +)) / ticks
            } else if parent == postmaster {
                total += (fields[11...12].compactMap { Double($0) }.reduce(0, +)) / ticks
            }
        }
        return total
    }

    /// `key=value` fields of a report line.
    static func fields(_ line: String) -> [String: Double] {
        var fields: [String: Double] = [:]
        for part in line.split(separator: " ") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, let value = Double(pair[1]) { fields[String(pair[0])] = value }
        }
        return fields
    }

    static func seconds(_ duration: Duration) -> Double { ControllerBenchmarkChild.seconds(duration) }
}

/// One replica: `steward run`'s controller with its leases (and, on PostgreSQL, its ring membership), started when the
/// parent's `go` file appears, stopped when its `stop` file does. Reports `joined`, `settled …` and `stopped …` lines.
struct ReplicaBenchmarkChild {
    var store: String
    var state: URL
    var config: String
    var branch: String
    var control: URL

    func run() async throws {
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let store = try SQLStateStore(try StoreLocation(parsing: self.store))
        try await store.limitMemoryMap(toBytes: SQLStateStore.controllerMemoryMapBytes)
        let leases = KeyLeases(store: store, holder: LeaseHolder(role: "run"))
        var membership: ReplicaMembership?
        if store.dialect == .postgres {
            let replica = ReplicaMembership(leases: leases)
            if let other = try await leases.tryAcquire(replica.key, blockedBy: ObjectKey.controllerLease) {
                throw BenchmarkFailure("\(other.holder) acts alone on the store")
            }
            membership = replica
        } else if let other = try await leases.tryAcquire(ObjectKey.controllerLease) {
            throw BenchmarkFailure("\(other.holder) controls the store")
        }
        leases.startHeartbeat(logger: logger) { key, holder in report("lost lease \(key) to \(holder)") }
        report("joined \(leases.holder)")
        try await Self.waitFor(control.appendingPathComponent("go"))

        let playbooks = ReplicaBenchmark.root.appendingPathComponent("playbooks")
        let reconciler = Reconciler(
            source: GitConfigSource(url: config, ref: branch, cacheDirectory: state.appendingPathComponent("config-repo.git")),
            store: store, makeResolver: { [state] settings in LocalForge(root: state.appendingPathComponent(settings.forge.path)) },
            runner: AnsiblePlaybookRunner(playbooksDirectory: playbooks, workDirectory: state.appendingPathComponent("runs")),
            library: try PlaybookLibrary(directory: playbooks), stateDirectory: state, logger: logger)
        var options = Controller.Options(configInterval: 1)
        options.afterPoll = { malloc_trim(0) }
        options.membership = membership
        let controller = Controller(reconciler: reconciler, leases: leases, options: options)
        let started = ContinuousClock.now
        let workers = Task { await controller.run() }
        try await waitUntil("the first config poll", limit: .seconds(1800), every: .milliseconds(20)) { controller.polls > 0 }
        let loaded = ContinuousClock.now - started
        try await waitUntil("the first settle", limit: .seconds(1800), every: .milliseconds(20)) { controller.isIdle() }
        let settledCPU = Self.cpu()
        let owned = controller.loaded?.desired.projects.count { membership?.owns(.project($0.name)) ?? true } ?? 0
        report(String(format: "settled wall=%.3f loaded=%.3f cpu=%.3f projects=%d reconciles=%d",
            ReplicaBenchmark.seconds(ContinuousClock.now - started), ReplicaBenchmark.seconds(loaded), settledCPU, owned,
            controller.reconciles))
        try await Self.waitFor(control.appendingPathComponent("stop"))
        await controller.shutDown(grace: .seconds(60), cancelling: workers)
        await workers.value
        await leases.releaseAll()
        report(String(format: "stopped cpu_total=%.3f cpu_settled=%.3f reconciles=%d", Self.cpu(), settledCPU,
            controller.reconciles))
    }

    static func waitFor(_ file: URL) async throws {
        while !FileManager.default.fileExists(atPath: file.path) { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// CPU seconds (user + system) of this process and its waited-for children (`ansible-playbook` and its workers).
    static func cpu() -> Double {
        var total = 0.0
        for who in [RUSAGE_SELF, RUSAGE_CHILDREN] {
            var usage = rusage()
            getrusage(who.rawValue, &usage)
            total += Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
                + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        }
        return total
    }
}

