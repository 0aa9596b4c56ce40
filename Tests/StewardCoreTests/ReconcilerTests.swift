import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// A config directory, Steward playbooks dir, in-memory store and fake runner wired into a Reconciler.
final class ReconcilerHarness: @unchecked Sendable {
    let config: TemporaryDirectory
    let state: TemporaryDirectory
    let playbooks: TemporaryDirectory
    let store = InMemoryStateStore()
    let runner = FakePlaybookRunner()
    let forge = FakeForge()
    var commits: [String: String] = ["acme/hello": "c1", "acme/other": "c9"]
    var engineering: (any ProjectEngineering)?
    /// Clone URLs of the resolved repos (`file:///forge/` is the local forge).
    var cloneURLBase = "file:///forge/"
    var bundler: (any SourceBundler)?
    /// The reconciler's wall clock; tests that need time to pass advance it instead of sleeping.
    let clock = ManualClock(start: Date())

    init() throws {
        config = try TemporaryDirectory(prefix: "config")
        state = try TemporaryDirectory(prefix: "state")
        playbooks = try TemporaryDirectory(prefix: "playbooks")
        try playbooks.write("deploy_project.yml", "- hosts: all\n")
        try config.write("manifests/servers.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, connection: local, capacity: {ports: "18000-18009"}}
            """)
        try config.write("manifests/hello.yaml", Self.project("hello"))
    }

    static func project(_ name: String, extra: String = "") -> String {
        """
        apiVersion: steward/v1
        kind: Project
        metadata: {name: \(name)}
        spec:
          repo: acme/\(name == "hello" ? "hello" : "other")
          server: local
        \(extra)
        """
    }

    func reconcile(_ options: ReconcileOptions = ReconcileOptions(), cipher: any SecretCipher = FakeSecretCipher()) async throws -> ReconcileReport {
        try await reconciler(cipher: cipher).reconcile(options)
    }

    /// The reconciler the harness wires (what `reconcile` runs, and what a `Controller` is built on).
    func reconciler(cipher: any SecretCipher = FakeSecretCipher()) throws -> Reconciler {
        let commits = self.commits
        let forge = self.forge
        let base = cloneURLBase
        let reconciler = Reconciler(
            source: DirectoryConfigSource(root: config.url), store: store, makeCipher: { cipher },
            makeForge: { _ in (forge, ["acme"]) },
            makeResolver: { _ in FakeResolver(commits: commits, cloneURLBase: base) }, runner: runner, bundler: bundler,
            library: try PlaybookLibrary(directory: playbooks.url), stateDirectory: state.url,
            now: { [clock] in clock.date }, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        var wired = reconciler
        wired.engineering = engineering
        return wired
    }
}

struct ReconcilerTests {
    @Test func firstPassDeploysSecondPassRunsNothing() async throws {
        let harness = try ReconcilerHarness()
        let first = try await harness.reconcile()
        #expect(first.outcome == .converged)
        #expect(first.playbookRuns == 1)
        let record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .active)
        #expect(record.port == 18000)
        #expect(record.lastDeployCommit == "c1")
        #expect(record.observedGeneration == record.generation)
        let phases = await harness.store.events(objectKind: "Project", objectName: "hello", limit: 50)
            .filter { $0.reason == "PhaseChanged" }.map { $0.message.components(separatedBy: ":")[0] }
        #expect(phases == ["draft -> initialized", "initialized -> deploying", "deploying -> active"])
        let request = try #require(await harness.runner.requests.first)
        #expect(request.extraVars["app_port"] == .int(18000))
        #expect(request.hosts.first?.connection == .local)

        let second = try await harness.reconcile()
        #expect(second.actions == [])
        #expect(second.playbookRuns == 0)
        #expect(second.outcome == .converged)
        #expect(second.cachedFiles == 2)
        #expect(await harness.runner.requests.count == 1)
    }

    /// The journal stays bounded: every pass prunes it to `journal.maxAge` and `journal.maxRows`.
    @Test func aPassPrunesTheJournalToItsRetention() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("steward.yaml", "kind: Settings\njournal: {maxAge: 1h, maxRows: 1000}\n")
        let now = harness.clock.date
        let old = JournalEntry(time: now.addingTimeInterval(-7_200), level: .info, message: "two hours ago")
        let recent = (0..<1_005).map { JournalEntry(time: now, level: .info, message: "line \($0)") }
        try await harness.store.appendJournal([old] + recent)
        _ = try await harness.reconcile()
        let left = try await harness.store.journal(after: nil, matching: JournalQuery(), limit: 5_000)
        #expect(left.count == 1_000)
        #expect(left.first?.message == "line 5")
    }

    @Test func newCommitOrManifestChangeDeploysAgain() async throws {
        let harness = try ReconcilerHarness()
        _ = try await harness.reconcile()
        harness.commits["acme/hello"] = "c2"
        let second = try await harness.reconcile()
        #expect(second.playbookRuns == 1)
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  deploy: {healthPath: /healthz}"))
        let third = try await harness.reconcile()
        #expect(third.playbookRuns == 1)
        let record = try #require(await harness.store.project(named: "hello"))
        #expect(record.generation == 2)
        #expect(record.port == 18000)
    }

    @Test func failedDeployIsAnErrorWithTheFailedTask() async throws {
        let harness = try ReconcilerHarness()
        await harness.runner.setStatus(.failed)
        let report = try await harness.reconcile()
        #expect(report.outcome == .failed)
        #expect(report.failures == ["Project/hello: deploy failed: task \"deploy\" on local: boom"])
        let record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .error)
        #expect(record.resumePhase == .deploying)
        let run = try #require(await harness.store.runs(project: "hello", limit: 1).first)
        #expect(run.status == .failed)
        #expect(run.failedTask == "deploy")
        #expect(run.tasks.count == 1)
        let incident = try #require(await harness.store.incidents(openOnly: true).first)
        #expect(incident.kind == .deployFailed && incident.objectName == "hello" && incident.message.contains("boom"))

        await harness.runner.setStatus(.succeeded)
        let retry = try await harness.reconcile()
        #expect(retry.outcome == .converged)
        #expect(try #require(await harness.store.project(named: "hello")).phase == .active)
        #expect(await harness.store.incidents(openOnly: true).isEmpty)
        #expect(await harness.store.incidents(openOnly: false).first?.status == .resolved)
    }

    /// A failed deploy invalidates "the last deploy matches": the same inputs as the last success (a reverted
    /// manifest) deploy again instead of being marked active from the record.
    @Test func afterAFailedDeployTheLastSuccessesInputsDeployAgain() async throws {
        let harness = try ReconcilerHarness()
        _ = try await harness.reconcile()
        #expect(try await harness.store.project(named: "hello")?.lastDeployInputHash != nil)
        harness.commits["acme/hello"] = "c2"
        await harness.runner.setStatus(.failed)
        #expect(try await harness.reconcile().outcome == .failed)
        let failed = try #require(await harness.store.project(named: "hello"))
        #expect(failed.phase == .error && failed.lastDeployInputHash == nil && failed.lastDeployCommit == "c1")

        harness.commits["acme/hello"] = "c1"
        await harness.runner.setStatus(.succeeded)
        let reverted = try await harness.reconcile()
        #expect(reverted.outcome == .converged)
        #expect(reverted.playbookRuns == 1, "the revert is deployed, not marked active: \(reverted.actions.map(\.name))")
        #expect(!reverted.actions.contains { if case .markActive = $0 { true } else { false } })
    }

    @Test func aRemoteForgeRepoIsBundledEvenForALocalServerAndAFailedBundleLeavesTheProjectAsItWas() async throws {
        let harness = try ReconcilerHarness()
        let bundler = FakeBundler()
        harness.bundler = bundler
        // The local forge and a local server: the server clones the file:// URL itself, nothing is bundled.
        _ = try await harness.reconcile()
        #expect(bundler.requests.isEmpty)

        // A repo on a remote forge (GitHub): a fetch fault fails the action before anything is recorded.
        harness.cloneURLBase = "https://github.example/"
        harness.commits["acme/hello"] = "c2"
        bundler.fail(with: "fetch https://github.example/acme/hello.git: 503")
        let failed = try await harness.reconcile()
        #expect(failed.outcome == .failed)
        #expect(failed.failures.count == 1 && failed.failures[0].contains("503"), "\(failed.failures)")
        #expect(failed.playbookRuns == 0)
        var record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .active)
        #expect(record.lastDeployCommit == "c1")
        #expect(await harness.store.incidents(openOnly: false).isEmpty)

        bundler.fail(with: nil)
        let deployed = try await harness.reconcile()
        #expect(deployed.outcome == .converged)
        record = try #require(await harness.store.project(named: "hello"))
        #expect(record.lastDeployCommit == "c2")
        guard case .object(let info)? = await harness.runner.requests.last?.extraVars["repo_info"] else {
            Issue.record("no repo_info")
            return
        }
        #expect(info["bundle"] == .string("/bundles/c2.bundle"))
        #expect(bundler.requests.map(\.cloneURL) == ["https://github.example/acme/hello.git", "https://github.example/acme/hello.git"])
    }

    @Test func aBrokenFileDoesNotStopTheOthersNorPruneItsProjects() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        _ = try await harness.reconcile()
        try harness.config.write("manifests/other.yaml", "apiVersion: steward/v1\nkind: Project\nmetadata: {name: other\n")
        harness.commits["acme/hello"] = "c2"
        try harness.config.write("steward.yaml", "prune: true\n")
        let report = try await harness.reconcile()
        #expect(report.outcome == .failed)
        #expect(report.diagnostics.map(\.location.file) == ["manifests/other.yaml"])
        #expect(report.playbookRuns == 1)
        #expect(try #require(await harness.store.project(named: "hello")).lastDeployCommit == "c2")
        let other = try #require(await harness.store.project(named: "other"))
        #expect(other.orphaned == false)
    }

    @Test func removedManifestIsOrphanedThenPrunedWhenAsked() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        _ = try await harness.reconcile()
        try FileManager.default.removeItem(at: harness.config.url.appendingPathComponent("manifests/other.yaml"))
        _ = try await harness.reconcile()
        #expect(try #require(await harness.store.project(named: "other")).orphaned)
        try harness.config.write("steward.yaml", "prune: true\n")
        _ = try await harness.reconcile()
        #expect(await harness.store.project(named: "other") == nil)
    }

    @Test func aRunThatSucceededBeforeACrashIsAdoptedNotRepeated() async throws {
        let harness = try ReconcilerHarness()
        let dry = try await harness.reconcile(ReconcileOptions(dryRun: true))
        #expect(dry.actions.map(\.name).contains("deploy"))
        #expect(try await harness.store.projects().isEmpty)
        _ = try await harness.reconcile()
        // Simulate a crash between the run's end and the project's save: forget the deploy on the record.
        var record = try #require(await harness.store.project(named: "hello"))
        record.lastDeployInputHash = nil
        record.phase = .deploying
        await harness.store.save(project: record, events: [])
        let report = try await harness.reconcile()
        #expect(report.playbookRuns == 0)
        #expect(try #require(await harness.store.project(named: "hello")).phase == .active)
    }

    @Test func missingSecretsAndMissingReposAreWaitingNotErrors() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  env: \"T=${secret:TOKEN}\""))
        harness.commits = [:]
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        let report = try await harness.reconcile()
        #expect(report.outcome == .progressing)
        #expect(try #require(await harness.store.project(named: "hello")).phase == .setupRequired)
        #expect(try #require(await harness.store.project(named: "other")).phase == .provisioning)
        #expect(report.pending.contains { $0.contains("missing secrets: TOKEN") })
    }
}

struct ReconcilerShortcutTests {
    @Test func aCompletePassVouchesForTheNextOnlyWhileTheWorldIsTheSame() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        _ = try await harness.reconcile()
        // The local server turned ready during the first pass: the second sees a different world.
        let second = try await harness.reconcile()
        #expect(second.actions == [])
        #expect(await harness.store.lastReconcile()?.worldDigest != nil)

        // A new app commit changes the world: the project using that repo redeploys.
        harness.commits["acme/other"] = "c10"
        let third = try await harness.reconcile()
        #expect(third.actions.map(\.key) == ["Project/other"])
        #expect(third.playbookRuns == 1)

        // A changed manifest is planned even when the world is unchanged.
        _ = try await harness.reconcile()
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  deploy: {healthPath: /ready}"))
        let fifth = try await harness.reconcile()
        #expect(fifth.actions.map(\.name) == ["update", "deploy"])
        #expect(fifth.actions.allSatisfy { $0.key == "Project/hello" })

        // A pass limited to one project records no digest, so the next pass plans everything.
        _ = try await harness.reconcile(ReconcileOptions(project: "hello"))
        #expect(await harness.store.lastReconcile()?.worldDigest == nil)
    }
}

struct ReconcilerForgeSyncTests {
    @Test func aPassSyncsTheForgeWhenDueAndNotInDryRuns() async throws {
        let harness = try ReconcilerHarness()
        await harness.forge.set([ForgeRepository(id: 11, owner: "acme", name: "hello", cloneURL: "file:///forge/acme/hello.git"),
                                 ForgeRepository(id: 12, owner: "acme", name: "extra", cloneURL: "file:///forge/acme/extra.git")])
        _ = try await harness.reconcile(ReconcileOptions(dryRun: true))
        #expect(await harness.forge.listings == 0)
        _ = try await harness.reconcile()
        #expect(await harness.forge.listings == 1)
        #expect(try #require(await harness.store.project(named: "hello")).githubRepoID == 11)
        #expect(try #require(await harness.store.project(named: "extra")).phase == .discovered)
        // Not due again within intervals.githubSync (default 5 minutes).
        _ = try await harness.reconcile()
        #expect(await harness.forge.listings == 1)
        try harness.config.write("steward.yaml", "intervals: {githubSync: 1s}\n")
        harness.clock.advance(by: .milliseconds(1100))
        _ = try await harness.reconcile()
        #expect(await harness.forge.listings == 2)
    }
}

struct ReconcilerSecretTests {
    @Test func secretsAreRenderedOnlyIntoTheDeployVarsAndRedeployOnANewVersion() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  env: \"TOKEN=${secret:TOKEN}\""))
        let waiting = try await harness.reconcile()
        #expect(try #require(await harness.store.project(named: "hello")).phase == .setupRequired)
        #expect(waiting.outcome == .progressing)

        let value = "tok-3f9a-very-secret"
        let cipher = FakeSecretCipher()
        _ = await harness.store.setSecret(project: "hello", name: "TOKEN", sealed: try cipher.seal(Data(value.utf8), context: "hello/TOKEN"), at: Date())
        let deployed = try await harness.reconcile(cipher: cipher)
        #expect(deployed.outcome == .converged, "\(deployed.failures)")
        let request = try #require(await harness.runner.requests.last)
        #expect(request.extraVars["env_content"] == .string("TOKEN=\"\(value)\"\n"))
        #expect(request.secrets == [value])
        let events = await harness.store.events(objectKind: nil, objectName: nil, limit: 1000)
        #expect(!events.contains { $0.message.contains(value) })
        #expect(!(await harness.store.runRecords).contains { run in run.tasks.contains { $0.message?.contains(value) == true } })

        #expect(try await harness.reconcile(cipher: cipher).playbookRuns == 0)
        _ = await harness.store.setSecret(project: "hello", name: "TOKEN", sealed: try cipher.seal(Data("rotated".utf8), context: "hello/TOKEN"), at: Date())
        let rotated = try await harness.reconcile(cipher: cipher)
        #expect(rotated.playbookRuns == 1)
        #expect(await harness.runner.requests.last?.extraVars["env_content"] == .string("TOKEN=\"rotated\"\n"))
    }
}

struct ReconcilerShortcutSafetyTests {
    @Test func aPassWithAFailedActionDoesNotVouchForTheNext() async throws {
        let harness = try ReconcilerHarness()
        await harness.runner.setStatus(.failed)
        let failed = try await harness.reconcile()
        #expect(failed.outcome == .failed)
        #expect(await harness.store.lastReconcile()?.worldDigest == nil)
        await harness.runner.setStatus(.succeeded)
        _ = try await harness.reconcile()
        #expect(await harness.store.lastReconcile()?.worldDigest != nil)
    }

    @Test func deploysOfAPassRunInBatchesOfAtMostTheLimit() async throws {
        for limit in [1, 3] {
            let harness = try ReconcilerHarness()
            try harness.config.write("steward.yaml", "concurrency: \(limit)\n")
            for name in ["p1", "p2", "p3", "p4", "p5"] {
                try harness.config.write("manifests/\(name).yaml", ReconcilerHarness.project(name))
            }
            await harness.runner.setDelay(.milliseconds(150))
            let report = try await harness.reconcile()
            #expect(report.outcome == .converged)
            // One at a time: six runs. Room for three: two runs of three projects each (DeployBatchTests).
            #expect(report.playbookRuns == (limit == 1 ? 6 : 2))
            #expect(await harness.runner.maxConcurrentRuns == 1)
            #expect(await harness.runner.requests.map(\.hosts.count).max() == limit)
            let ports = try await harness.store.projects().compactMap(\.port).sorted()
            #expect(ports == Array(18000...18005))
        }
    }

    @Test func blueGreenHoldsAPublicPortAndTwoSlotsAndKeepsThem() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  deploy: {strategy: blueGreen}"))
        let first = try await harness.reconcile()
        #expect(first.outcome == .converged)
        let request = try #require(await harness.runner.requests.last)
        #expect(request.extraVars["deploy_strategy"] == .string("blueGreen"))
        #expect(request.extraVars["app_port"] == .int(18000))
        #expect(request.extraVars["slot_ports"] == .object(["blue": .int(18001), "green": .int(18002)]))
        #expect(try await harness.store.project(named: "hello")?.port == 18000)

        // Unchanged: no run (the slots are part of the inputs and were found again).
        let second = try await harness.reconcile()
        #expect(second.playbookRuns == 0)
        // A new commit deploys to the same three ports.
        harness.commits["acme/hello"] = "c2"
        _ = try await harness.reconcile()
        #expect(await harness.runner.requests.last?.extraVars["slot_ports"] == .object(["blue": .int(18001), "green": .int(18002)]))

        // Back to recreate: the public port stays, the slots are freed for others.
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello"))
        _ = try await harness.reconcile()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        _ = try await harness.reconcile()
        #expect(try await harness.store.project(named: "hello")?.port == 18000)
        #expect(try await harness.store.project(named: "other")?.port == 18001)
        #expect(await harness.runner.requests.last(where: { $0.extraVars["project_name"] == .string("hello") })?
            .extraVars["slot_ports"] == nil)
    }
}

/// A fresh state dir (a CI job) reads what the servers run and does not deploy it again.
struct DeployAdoptionTests {
    @Test func aFreshStateDirAdoptsTheDeployItsServerReportsWithoutAPlaybook() async throws {
        let first = try ReconcilerHarness()
        _ = try await first.reconcile()
        let deployed = try #require(await first.store.project(named: "hello"))
        let server = try #require(await first.store.server(named: "local"))

        // Another controller with an empty store; server_sync has read the marker the deploy left.
        let fresh = try ReconcilerHarness()
        var seen = server
        seen.deployMarkers = ["hello": DeployMarker(
            project: "hello", commit: "c1", inputHash: try #require(deployed.lastDeployInputHash), port: 18000,
            time: "2026-11-25T10:00:00Z")]
        await fresh.store.save(server: seen, events: [])
        let report = try await fresh.reconcile()
        #expect(report.outcome == .converged)
        #expect(report.playbookRuns == 0)
        #expect(report.actions.contains { $0.name == "adopt_deploy" })
        let adopted = try #require(await fresh.store.project(named: "hello"))
        #expect(adopted.phase == .active)
        #expect(adopted.port == 18000)
        #expect(adopted.lastDeployInputHash == deployed.lastDeployInputHash)
        #expect(await fresh.store.portAllocations()["hello"] == PortAllocation(server: "local", ports: [18000]))
        // And the pass after that plans nothing.
        #expect(try await fresh.reconcile().actions.isEmpty)

        // A marker of another commit is not adopted: the new commit deploys.
        let other = try ReconcilerHarness()
        seen.deployMarkers["hello"]?.commit = "c0"
        await other.store.save(server: seen, events: [])
        let deploying = try await other.reconcile()
        #expect(deploying.playbookRuns == 1)
    }
}

/// A pass is converged only when every declared server is ready and no critical incident is open.
struct ReconcilerConvergenceTests {
    @Test func aServerThatIsNotReadyKeepsThePassFromConverging() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/vps.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps}
            spec: {address: 10.231.250.2, capacity: {ports: "8000-8009"}}
            """)
        let report = try await harness.reconcile()
        // hello (on the local server) is active, but the SSH server vps was never reached.
        #expect(try #require(await harness.store.project(named: "hello")).phase == .active)
        #expect(report.outcome == .progressing)
        #expect(report.pending.contains { $0.hasPrefix("Server/vps: discovered") }, "\(report.pending)")
        #expect(!report.pending.contains { $0.hasPrefix("Server/local") })
    }

    @Test func anOpenCriticalIncidentKeepsThePassFromConvergingUntilItIsResolved() async throws {
        let harness = try ReconcilerHarness()
        #expect(try await harness.reconcile().outcome == .converged)
        _ = await harness.store.openIncident(
            IncidentRecord(kind: .serviceDown, severity: .critical, objectKind: "Project", objectName: "hello",
                message: "GET /health failed 3 times\nlast: connection refused", openedAt: Date()),
            events: [])
        let report = try await harness.reconcile()
        #expect(report.outcome == .progressing)
        #expect(report.pending.contains { $0.contains("service_down on Project/hello: GET /health failed 3 times") })
        #expect(!report.pending.contains { $0.contains("connection refused") }, "one line per pending object")

        _ = await harness.store.updateOpenIncident(
            kind: .serviceDown, objectKind: "Project", objectName: "hello", status: .resolved, message: "answers again",
            at: Date(), events: [])
        #expect(try await harness.reconcile().outcome == .converged)
    }

    @Test func anIncidentOfAnObjectNoManifestDeclaresDoesNotCount() async throws {
        let harness = try ReconcilerHarness()
        _ = await harness.store.openIncident(
            IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: "long-gone",
                message: "repo acme/long-gone answered 404", openedAt: Date()),
            events: [])
        #expect(try await harness.reconcile().outcome == .converged)
    }
}

/// One repo, one record: projects that share a repo all show its id, and no discovered copy stays beside them.
struct ReconcilerSharedRepoTests {
    @Test func projectsSharingARepoTakeItsIdAndLeaveNoDiscoveredCopy() async throws {
        let harness = try ReconcilerHarness()
        await harness.forge.set([ForgeRepository(id: 12, owner: "acme", name: "other", cloneURL: "file:///forge/acme/other.git")])
        for name in ["api", "web"] { try harness.config.write("manifests/\(name).yaml", ReconcilerHarness.project(name)) }
        _ = try await harness.reconcile()
        #expect(await harness.store.project(named: "other") == nil)
        for name in ["api", "web"] {
            #expect(try #require(await harness.store.project(named: name)).githubRepoID == 12, "\(name)")
        }
        let adopted = await harness.store.events(objectKind: "Project", objectName: "other", limit: 10).map(\.reason)
        #expect(adopted.contains("AdoptedElsewhere"))
    }
}
