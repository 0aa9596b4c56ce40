// Benchmarks for the foundation slice (run: `swift run -c release steward-bench [projects] [servers]`).
//
// 1. `steward plan` as a process on a config repo of N projects and M servers with nothing changed.
// 2. One manifest changed and committed: fetch, parse, plan and store, timed separately (in process).
// 3. Fetching an unchanged config repo: GitConfigSource.update() vs `git fetch`, same repo, same run.
// `steward-bench github [N]`: github_sync of N repos; `steward-bench github-deploy [FILES] [COMMITS]`: deploy
// sources from GitHub (ref resolution, mirror, bundles); `steward-bench queue [KEYS]`: the controller's work queue alone;
// `steward-bench controller [PROJECTS]`: `steward run`'s controller on a converged fleet (memory, idle CPU, resync, latency);
// `steward-bench http [PROJECTS]`: its HTTP server on that fleet (/metrics, webhook to reconcile, wrk on /healthz);
// `steward-bench dashboard [PROJECTS]`: the dashboard's pages on that fleet, and its live log in headless Chromium;
// `steward-bench replicas [PROJECTS] [DEPLOYS]`: first settle and deploy throughput, SQLite and 1-3 PostgreSQL replicas.
import Foundation
import Logging
import StewardCore
import StewardGit
import StewardModel
import StewardStore
import StewardTestSupport

let arguments = CommandLine.arguments
if arguments.count > 1, arguments[1] == "controller" {
    try await ControllerBenchmark(projects: arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000).run()
    exit(0)
}
if arguments.count > 5, arguments[1] == "controller-child" {
    try await ControllerBenchmarkChild(
        config: arguments[2], workTree: arguments[3], state: URL(fileURLWithPath: arguments[4]), projects: Int(arguments[5]) ?? 0
    ).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "http" {
    try await ControllerBenchmark(projects: arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000, child: "http-child").run()
    exit(0)
}
if arguments.count > 5, arguments[1] == "http-child" {
    try await HTTPBenchmarkChild(config: arguments[2], state: URL(fileURLWithPath: arguments[4]), projects: Int(arguments[5]) ?? 0).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "dashboard" {
    try await ControllerBenchmark(projects: arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000, child: "dashboard-child").run()
    exit(0)
}
if arguments.count > 5, arguments[1] == "dashboard-child" {
    try await DashboardBenchmarkChild(config: arguments[2], state: URL(fileURLWithPath: arguments[4]), projects: Int(arguments[5]) ?? 0).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "replicas" {
    try await ReplicaBenchmark(
        projects: arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000, deploys: arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100
    ).run()
    exit(0)
}
if arguments.count > 5, arguments[1] == "replicas-child" {
    try await ReplicaBenchmarkChild(
        store: ProcessInfo.processInfo.environment["STEWARD_STORE_URL"] ?? "", state: URL(fileURLWithPath: arguments[2]),
        config: arguments[3], branch: arguments[4], control: URL(fileURLWithPath: arguments[5])
    ).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "queue" {
    await WorkQueueBenchmark(keys: arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "github-deploy" {
    try await GitHubDeployBenchmark(files: arguments.count > 2 ? Int(arguments[2]) ?? 500 : 500,
        commits: arguments.count > 3 ? Int(arguments[3]) ?? 50 : 50).run()
    exit(0)
}
if arguments.count > 1, arguments[1] == "github" {
    try await GitHubSyncBenchmark(repositories: arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000).run()
    exit(0)
}
let projectCount = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let serverCount = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let repoCount = 100

/// Milliseconds with one decimal.
func ms(_ duration: Duration) -> String {
    let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    return String(format: "%.1f ms", value)
}

func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

func time<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let playbooks = root.appendingPathComponent("playbooks")
let stewardBinary = root.appendingPathComponent(".build/release/steward")
guard FileManager.default.fileExists(atPath: stewardBinary.path) else {
    print("build the release binary first: swift build -c release --product steward")
    exit(1)
}

let work = try TemporaryDirectory(prefix: "steward-bench")
let state = work.url.appendingPathComponent("state")
let config = try await GitFixture()
print("config repo: \(projectCount) projects, \(serverCount) servers, \(repoCount) app repos")

// The config repo: one file per manifest.
let (_, generate) = try await time {
    try ControllerBenchmark.writeFleet(
        config, projects: projectCount, servers: serverCount, capacity: #"{memoryMB: 65536, ports: "20000-29999"}"#
    ) { ControllerBenchmark.project($0, round: $1, servers: serverCount) }
    try await config.commit("bench config")
}
print("generated and committed in \(ms(generate))")

// The local forge: one app repo, copied.
let seed = try await GitFixture()
try seed.write("Procfile", "web: python3 app.py\n")
try await seed.commit("app")
let forge = state.appendingPathComponent("forge/bench")
try FileManager.default.createDirectory(at: forge, withIntermediateDirectories: true)
for index in 0..<repoCount {
    try FileManager.default.copyItem(atPath: seed.bare, toPath: forge.appendingPathComponent("r-\(index).git").path)
}

let library = try PlaybookLibrary(directory: playbooks)
let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
func reconciler(runner: any PlaybookRunner) throws -> Reconciler {
    Reconciler(
        source: GitConfigSource(url: config.bare, ref: "main", cacheDirectory: state.appendingPathComponent("config-repo.git")),
        store: try SQLStateStore(stateDirectory: state),
        makeResolver: { settings in LocalForge(root: state.appendingPathComponent(settings.forge.path)) },
        runner: runner, library: library, stateDirectory: state, logger: logger)
}

// Setup: a first pass "deploys" everything with a runner that succeeds at once, as a converged fleet.
let (setup, setupTime) = try await time { try await reconciler(runner: FakePlaybookRunner()).reconcile() }
print("setup pass (cold: clone, parse all, register and record \(setup.playbookRuns) deploys): \(ms(setupTime)) -> \(setup.outcome)")
guard setup.outcome == .converged else { print(setup.failures.prefix(3), setup.pending.prefix(3)); exit(1) }
// A second pass, as a steady controller would have run: it records the world it planned against.
let (steady, steadyTime) = try await time { try await reconciler(runner: FakePlaybookRunner()).reconcile() }
print("steady pass (servers became ready in the first): \(ms(steadyTime)), \(steady.actions.count) actions -> \(steady.outcome)")

// 1. `steward plan`, nothing changed, as a process.
func planProcess() throws -> (Duration, String) {
    var environment = ProcessInfo.processInfo.environment
    environment["STEWARD_PLAYBOOKS"] = playbooks.path
    let launch = ProcessLaunch(
        executable: stewardBinary.path,
        arguments: [stewardBinary.path, "plan", "--config-repo", config.bare, "--state-dir", state.path],
        environment: environment, workingDirectory: FileManager.default.currentDirectoryPath
    )
    let start = ContinuousClock.now
    let output = try ProcessGroupChild.runToEnd(launch)
    return (ContinuousClock.now - start, output.stdoutText)
}
var planTimes: [Duration] = []
var planOutput = ""
for _ in 0..<7 {
    let (duration, output) = try planProcess()
    planTimes.append(duration)
    planOutput = output
}
print("steward plan, nothing changed: median \(ms(median(planTimes))), min \(ms(planTimes.min()!)) over 7 runs "
    + "[\(planOutput.trimmingCharacters(in: .whitespacesAndNewlines))]")

// In-process breakdown of the same no-change pass.
let (noChange, _) = try await time { try await reconciler(runner: FakePlaybookRunner()).reconcile(ReconcileOptions(dryRun: true)) }
let t = noChange.timings
print("  in process: fetch \(ms(t.fetch)), list \(ms(t.load.list)), cache read+decode \(ms(t.load.cacheRead)), "
    + "validate \(ms(t.load.validate)), observe \(ms(t.observe)), plan \(ms(t.plan)), total \(ms(t.total))")

// 2. One manifest changed and committed.
var incremental: [ReconcileTimings] = []
for round in 0..<5 {
    try config.write("manifests/projects/p-42.yaml", """
        apiVersion: steward/v1
        kind: Project
        metadata: {name: p-42}
        spec:
          repo: bench/r-42
          server: s-42
          suspend: true
          env: "ROUND=\(round)"
        """)
    try await config.commit("change p-42 (\(round))")
    let report = try await reconciler(runner: FakePlaybookRunner()).reconcile()
    guard report.parsedFiles == 1 else { print("expected 1 parsed file, got \(report.parsedFiles)"); exit(1) }
    incremental.append(report.timings)
}
let rounds = incremental
func medianOf(_ pick: (ReconcileTimings) -> Duration) -> String { ms(median(rounds.map(pick))) }
print("one manifest changed (median of 5): fetch \(medianOf(\.fetch)), parse \(medianOf(\.load.parse)) (1 file), "
    + "cache write \(medianOf(\.load.cacheWrite)), plan \(medianOf(\.plan)), store \(medianOf(\.act)); "
    + "fetch+parse+plan+store \(medianOf { $0.fetch + $0.load.parse + $0.load.cacheWrite + $0.plan + $0.act })")
print("  fixed per-pass cost at this size: list \(medianOf(\.load.list)), cache read+decode \(medianOf(\.load.cacheRead)), "
    + "validate \(medianOf(\.load.validate)), observe \(medianOf(\.observe)); whole pass \(medianOf(\.total))")

// 4. `steward diff` with one project changed in git and not reconciled, as a process (issue 16: < 0.5 s).
try config.write("manifests/projects/p-43.yaml", ControllerBenchmark.project(43, round: 1, servers: serverCount))
try await config.commit("change p-43 for diff")
var diffTimes: [Duration] = []
var diffOutput = ""
for _ in 0..<7 {
    var environment = ProcessInfo.processInfo.environment
    environment["STEWARD_PLAYBOOKS"] = playbooks.path
    let launch = ProcessLaunch(
        executable: stewardBinary.path,
        arguments: [stewardBinary.path, "diff", "--config-repo", config.bare, "--state-dir", state.path],
        environment: environment, workingDirectory: FileManager.default.currentDirectoryPath)
    let start = ContinuousClock.now
    let output = try ProcessGroupChild.runToEnd(launch)
    diffTimes.append(ContinuousClock.now - start)
    diffOutput = output.stdoutText
    guard output.status == 1 else { print("steward diff exited \(output.status ?? -1): \(output.stderrText)"); exit(1) }
}
print("steward diff, one project changed: median \(ms(median(diffTimes))), min \(ms(diffTimes.min()!)) over 7 runs "
    + "[\(diffOutput.split(separator: "\n").prefix(3).joined(separator: " | "))]")

// 3. Fetch of an unchanged repo: libgit2 vs git CLI.
let source = GitConfigSource(url: config.bare, ref: "main", cacheDirectory: state.appendingPathComponent("config-repo.git"))
_ = try await source.update()
let cliClone = work.url.appendingPathComponent("cli-clone.git").path
try await run(["git", "clone", "-q", "--bare", config.bare, cliClone])
var libgit2Times: [Duration] = []
var cliTimes: [Duration] = []
for _ in 0..<21 {
    libgit2Times.append(try await time { try await source.update() }.1)
    cliTimes.append(try await time { try await run(["git", "-C", cliClone, "fetch", "-q", "origin"]) }.1)
}
let ratio = Double(median(libgit2Times).components.attoseconds + median(libgit2Times).components.seconds * 1_000_000_000_000_000_000)
    / Double(median(cliTimes).components.attoseconds + median(cliTimes).components.seconds * 1_000_000_000_000_000_000)
print("unchanged fetch (median of 21): steward \(ms(median(libgit2Times))), git fetch \(ms(median(cliTimes))), "
    + String(format: "ratio %.3f", ratio))

// Globals are not deinitialized at exit: remove the generated repos explicitly, unless asked to keep them.
if ProcessInfo.processInfo.environment["STEWARD_BENCH_KEEP"] != nil {
    print("kept: config \(config.bare), state \(state.path)")
} else {
    for directory in [work.url, config.root.url, seed.root.url] { try? FileManager.default.removeItem(at: directory) }
}
