import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The health_checker inside a reconcile pass: after acting, only when `intervals.healthCheck` is due, never in
/// a dry run or a one-project pass.
struct ReconcilerHealthTests {
    let harness: ReconcilerHarness
    let probe = FakeHealthProbe()
    let clock = MutableDate(Fixtures.now)

    init() throws {
        harness = try ReconcilerHarness()
    }

    func reconcile(_ options: ReconcileOptions = ReconcileOptions()) async throws -> ReconcileReport {
        let commits = harness.commits
        let (store, probe, clock) = (harness.store, probe, clock)
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var reconciler = Reconciler(
            source: DirectoryConfigSource(root: harness.config.url), store: store, makeCipher: { FakeSecretCipher() },
            makeResolver: { _ in FakeResolver(commits: commits) }, runner: harness.runner,
            library: try PlaybookLibrary(directory: harness.playbooks.url), stateDirectory: harness.state.url,
            now: { clock.value }, logger: logger)
        reconciler.makeHealthChecker = { settings in
            HealthChecker(probe: probe, store: store, settings: settings, now: { clock.value }, logger: logger)
        }
        return try await reconciler.reconcile(options)
    }

    @Test func aPassChecksWhatItDeployedThenWaitsForTheInterval() async throws {
        _ = try await reconcile(ReconcileOptions(dryRun: true))
        #expect(await probe.requests.isEmpty)

        let first = try await reconcile()
        #expect(first.outcome == .converged)
        #expect(await probe.requests.map(\.absoluteString) == ["http://127.0.0.1:18000/health"])
        #expect(try #require(await harness.store.healthCheck(project: "hello")).lastStatus == .healthy)
        #expect(await harness.store.project(named: "hello")?.conditions[Condition.healthy]?.status == .true)

        clock.value = Fixtures.now.addingTimeInterval(30)
        _ = try await reconcile()
        #expect(await probe.requests.count == 1)

        clock.value = Fixtures.now.addingTimeInterval(120)
        _ = try await reconcile(ReconcileOptions(project: "hello"))
        #expect(await probe.requests.count == 1)
        await probe.setDefault(.refused)
        let due = try await reconcile()
        #expect(due.outcome == .converged, "a failing check is not a failed pass")
        #expect(await probe.requests.count == 2)
        #expect(await harness.store.healthCheck(project: "hello")?.consecutiveFailures == 1)
    }
}
