import CMalloc
import Foundation
import Logging
import StewardCore
import StewardGit
import StewardModel
import StewardStore
import StewardTestSupport

/// `steward-bench controller [PROJECTS]` (issue 13's performance targets): a converged fleet of PROJECTS projects on
/// 10 local servers and 100 app repos (every deploy recorded by a runner that succeeds at once, as
/// `steward-bench`'s foundation run does), then a controller run in a child process of its own, so its memory is
/// its own: the first settle (every key once), RSS, idle CPU over 60 s, the CPU of a resync of every key, and a
/// commit's latency to the start of its deploy with a 1 s poll.
struct ControllerBenchmark {
    var projects: Int
    /// The child to run on the fleet: `controller-child` (issue 13's measures), `http-child` (issue 14's) or
    /// `dashboard-child` (issue 15's).
    var child = "controller-child"

    static let servers = 10
    static let repos = 100

    func run() async throws {
        let work = try TemporaryDirectory(prefix: "steward-bench-controller")
        let state = work.url.appendingPathComponent("state")
        let config = try await GitFixture()
        defer {
            for directory in [work.url, config.root.url] { try? FileManager.default.removeItem(at: directory) }
        }
        print("\(child.replacingOccurrences(of: "-child", with: "")): \(projects) projects, \(Self.servers) servers, \(Self.repos) app repos")
        try Self.writeFleet(config, projects: projects) { Self.project($0, round: $1) }
        try await config.commit("bench config")
        try await Self.seedForge(state.appendingPathComponent("forge/bench"))
        let started = ContinuousClock.now
        let setup = try await Self.reconciler(config: config.bare, state: state, runner: FakePlaybookRunner()).reconcile()
        guard setup.outcome == .converged else {
            print("setup did not converge: \(setup.failures.prefix(3)) \(setup.pending.prefix(3))")
            exit(1)
        }
        print("converged fleet set up in \(ContinuousClock.now - started) (\(setup.playbookRuns) recorded deploys)")

        // The controller, alone in a process.
        let launch = ProcessLaunch(
            executable: CommandLine.arguments[0],
            arguments: [CommandLine.arguments[0], child, config.bare, config.workTree, state.path, "\(projects)"],
            environment: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath)
        let output = try ProcessGroupChild.runToEnd(launch)
        print(output.stdoutText, terminator: "")
        if output.status != 0 {
            print(output.stderrText)
            exit(1)
        }
    }

    /// Writes a fleet's steward.yaml (a local forge), `servers` local servers `s-N` with `capacity`, and `projects`
    /// projects (`project` of each index at round 0) into the config repo's work tree.
    static func writeFleet(
        _ config: GitFixture, projects: Int, servers: Int = servers,
        capacity: String = #"{memoryMB: 1048576, ports: "10000-60000"}"#, project: (Int, Int) -> String
    ) throws {
        try config.write("steward.yaml", "apiVersion: steward/v1\nkind: Settings\nforge: {provider: local, path: forge}\n")
        for index in 0..<servers {
            try config.write("manifests/servers/s-\(index).yaml", """
                apiVersion: steward/v1
                kind: Server
                metadata: {name: s-\(index)}
                spec: {address: 127.0.0.1, connection: local, capacity: \(capacity)}
                """)
        }
        for index in 0..<projects { try config.write("manifests/projects/p-\(index).yaml", project(index, 0)) }
    }

    /// Fills a local forge's owner folder with the fleet's `repos` app repos (`r-INDEX.git`, one commit each).
    static func seedForge(_ forge: URL) async throws {
        let seed = try await GitFixture()
        defer { try? FileManager.default.removeItem(at: seed.root.url) }
        try seed.write("Procfile", "web: python3 app.py\n")
        try await seed.commit("app")
        try FileManager.default.createDirectory(at: forge, withIntermediateDirectories: true)
        for index in 0..<repos {
            try FileManager.default.copyItem(atPath: seed.bare, toPath: forge.appendingPathComponent("r-\(index).git").path)
        }
    }

    /// Project `p-INDEX` of a benchmark fleet (also the foundation benchmark's), on `s-(INDEX % servers)`.
    static func project(_ index: Int, round: Int, servers: Int = servers) -> String {
        """
        apiVersion: steward/v1
        kind: Project
        metadata:
          name: p-\(index)
          labels: {team: t\(index % 10)}
        spec:
          repo: bench/r-\(index % repos)
          server: s-\(index % servers)
          resources: {memoryMB: 64, ports: 1}
          deploy: {healthPath: /health}
          env: |
            LOG_LEVEL=info
            ROUND=\(round)
        """
    }

    static func reconciler(config: String, state: URL, runner: any PlaybookRunner) throws -> Reconciler {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return Reconciler(
            source: GitConfigSource(url: config, ref: "main", cacheDirectory: state.appendingPathComponent("config-repo.git")),
            store: try SQLStateStore(stateDirectory: state),
            makeResolver: { settings in LocalForge(root: state.appendingPathComponent(settings.forge.path)) },
            runner: runner, library: try PlaybookLibrary(directory: root.appendingPathComponent("playbooks")),
            stateDirectory: state, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    }
}

/// The child: one controller on the converged fleet, measured from inside.
struct ControllerBenchmarkChild {
    var config: String
    var workTree: String
    var state: URL
    var projects: Int

    func run() async throws {
        let runner = FakePlaybookRunner()
        var options = Controller.Options(configInterval: 1)
        options.afterPoll = { malloc_trim(0) }
        let reconciler = try ControllerBenchmark.reconciler(config: config, state: state, runner: runner)
        // As `steward run` opens its store.
        try await (reconciler.store as? SQLStateStore)?.limitMemoryMap(toBytes: SQLStateStore.controllerMemoryMapBytes)
        let controller = Controller(reconciler: reconciler, leases: nil, options: options)
        let workers = Task { await controller.run() }
        let start = ContinuousClock.now
        let cpuStart = Self.cpu()
        try await settle(controller, after: 0)
        report(String(format: "first settle (every key reconciled once): %.1f s wall, %.1f s CPU; %d playbook runs",
            Self.seconds(ContinuousClock.now - start), Self.cpu() - cpuStart, await runner.requests.count))
        try await Task.sleep(for: .seconds(5))
        malloc_trim(0)
        report(String(format: "RSS with %d converged projects: %.1f MB (anonymous %.1f MB)", projects,
            Double(ResidentMemory.bytes() ?? 0) / 1_048_576, Double(ResidentMemory.anonymousBytes() ?? 0) / 1_048_576))
        let mappings = ResidentMemory.byMapping()
        report("  by mapping: " + mappings.prefix(8).map { String(format: "%@ %.1f MB",
            ($0.mapping as NSString).lastPathComponent, Double($0.kilobytes) / 1024) }.joined(separator: ", "))

        let idleStart = Self.cpu()
        let idleWall = ContinuousClock.now
        try await Task.sleep(for: .seconds(60))
        let idle = (Self.cpu() - idleStart) / Self.seconds(ContinuousClock.now - idleWall) * 100
        report(String(format: "idle CPU over 60 s (config polled every 1 s, forge, servers and health on their intervals): "
            + "%.2f %% of one core", idle))

        // A resync reconciles a project again unless its in-memory inputs are those it last converged with; the first
        // one after the start may still reconcile those whose repo the forge poll had not answered yet. Then three
        // measured ones; every sixth resync is complete (`steward-bench` reports that one too).
        var resyncs: [(cpu: Double, wall: Double)] = []
        for _ in 0..<4 {
            let before = controller.reconciles
            let cpu = Self.cpu()
            let wall = ContinuousClock.now
            controller.queue.add(.resync)
            try await waitUntil("the resync to settle", limit: .seconds(600), every: .milliseconds(50)) {
                controller.reconciles > before && controller.isIdle()
            }
            resyncs.append((Self.cpu() - cpu, Self.seconds(ContinuousClock.now - wall)))
        }
        let warmUp = resyncs.removeFirst()
        let median = resyncs.sorted { $0.cpu < $1.cpu }[1]
        report(String(format: "resync of %d unchanged projects (median of 3): %.1f ms CPU, %.1f ms wall "
            + "(the first after the start: %.0f ms CPU)", projects, median.cpu * 1000, median.wall * 1000, warmUp.cpu * 1000))
        // Resync 5, then 6: the complete one.
        for _ in 0..<1 {
            let before = controller.reconciles
            controller.queue.add(.resync)
            try await waitUntil("a resync to settle", limit: .seconds(600), every: .milliseconds(50)) {
                controller.reconciles > before && controller.isIdle()
            }
        }
        let before = controller.reconciles
        let cpu = Self.cpu()
        let wall = ContinuousClock.now
        controller.queue.add(.resync)
        try await waitUntil("the complete resync to settle", limit: .seconds(600), every: .milliseconds(50)) {
            controller.reconciles > before + projects && controller.isIdle()
        }
        report(String(format: "the complete resync (every sixth: each key reconciled, fingerprints ignored): %.0f ms CPU, "
            + "%.0f ms wall", (Self.cpu() - cpu) * 1000, Self.seconds(ContinuousClock.now - wall) * 1000))

        var latencies: [Double] = []
        for round in 1...20 {
            let index = (round * 37) % projects
            let before = await runner.requests.count
            try ControllerBenchmark.project(index, round: round)
                .write(toFile: workTree + "/manifests/projects/p-\(index).yaml", atomically: true, encoding: .utf8)
            _ = try await StewardTestSupport.run(["git", "-C", workTree, "commit", "-qam", "round \(round)"])
            _ = try await StewardTestSupport.run(["git", "-C", workTree, "push", "-q", "origin", "HEAD:main"])
            let committed = ContinuousClock.now
            try await waitUntil("round \(round)'s deploy to start", every: .milliseconds(2)) {
                await runner.requests.count > before
            }
            latencies.append(Self.seconds(ContinuousClock.now - committed))
            try await settle(controller, after: controller.polls)
        }
        latencies.sort()
        report(String(format: "commit -> start of its deploy, 1 s poll, 20 commits: p50 %.0f ms, p99 %.0f ms, max %.0f ms",
            latencies[latencies.count / 2] * 1000, latencies[Int(Double(latencies.count - 1) * 0.99)] * 1000,
            latencies.last! * 1000))
        malloc_trim(0)
        report(String(format: "RSS at the end: %.1f MB", Double(ResidentMemory.bytes() ?? 0) / 1_048_576))
        await controller.shutDown(grace: .seconds(30), cancelling: workers)
        await workers.value
    }

    private func settle(_ controller: Controller, after polls: Int) async throws {
        try await waitUntil("the controller to settle", limit: .seconds(600), every: .milliseconds(20)) {
            controller.polls > polls && controller.isIdle()
        }
    }

    /// CPU seconds (user + system) of this process so far.
    static func cpu() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// One line to the parent, unbuffered: nothing measured is lost if a later step fails.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
