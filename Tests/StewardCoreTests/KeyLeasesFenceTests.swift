import Foundation
import Logging
import StewardTestSupport
import Testing
@testable import StewardCore

/// The fence (docs/ARCHITECTURE.md §4): a process whose store stops confirming its leases stops acting before they can
/// expire, and acts again once the store answers.
struct KeyLeasesFenceTests {
    @Test func aProcessCutOffFromTheStoreStopsActingAndResumesWhenItAnswers() async throws {
        let store = FlakyLeaseStore()
        let leases = KeyLeases(
            store: store, holder: LeaseHolder(role: "run"), ttl: .seconds(3), fenceMargin: .seconds(1))
        #expect(try await leases.tryAcquire("project/a") == nil)
        leases.startHeartbeat(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) { _, _ in }
        defer { Task { await leases.releaseAll() } }
        // (No assertion on timing: a busy machine may stall this task; each state is waited for.)
        try await waitUntil("a first renewal") { await store.renewals > 0 }
        try await waitUntil("acting while the store answers") { leases.canAct }

        await store.fail(true)
        try await waitUntil("the fence to close while the store does not answer") { !leases.canAct }
        // Closed because the last confirmation is older than ttl - margin.
        #expect(leases.sinceConfirmed >= .seconds(2))
        let failedRenewals = await store.renewals
        try await waitUntil("renewals to be retried") { await store.renewals > failedRenewals }
        #expect(!leases.canAct)

        await store.fail(false)
        try await waitUntil("the fence to open once the store answers") { leases.canAct }
        #expect(leases.keys == ["project/a"])
    }

    /// A controller whose leases are fenced reconciles nothing, not even its config poll, and takes up its work where
    /// it was once the store answers again.
    @Test func aFencedControllerActsOnNothingUntilTheStoreAnswers() async throws {
        let harness = try ReconcilerHarness()
        let store = FlakyLeaseStore()
        let leases = KeyLeases(
            store: store, holder: LeaseHolder(role: "run"), ttl: .seconds(3), fenceMargin: .seconds(1))
        #expect(try await leases.tryAcquire(ObjectKey.controllerLease) == nil)
        leases.startHeartbeat(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }) { _, _ in }
        var options = Controller.Options(configInterval: 3600)
        options.deployWindow = .milliseconds(50)
        let controller = Controller(reconciler: try harness.reconciler(), leases: leases, options: options)
        let workers = Task { await controller.run() }
        defer { Task { await leases.releaseAll() } }
        try await waitUntil("hello deployed", detail: { "\(controller.status())" }) {
            await harness.runner.requests.count == 1 && controller.isIdle()
        }

        await store.fail(true)
        try await waitUntil("the fence to close") { !leases.canAct }
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  env: |\n    A=1\n"))
        let polls = controller.polls
        let reconciles = controller.reconciles
        controller.fetchNow()
        // The config key is tried again and again while fenced, and never polls.
        try await waitUntil("the config key tried three times") { controller.reconciles >= reconciles + 3 }
        #expect(controller.polls == polls, "no config poll while fenced")
        #expect(await harness.runner.requests.count == 1, "no deploy while fenced")

        await store.fail(false)
        try await waitUntil("the change deployed once the store answers", detail: { "\(controller.status())" }) {
            await harness.runner.requests.count == 2 && controller.isIdle()
        }
        #expect(controller.polls == polls + 1)
        await controller.shutDown(grace: .seconds(30), cancelling: workers)
        await workers.value
    }
}

/// Leases in memory; every call fails while `failing` is set, as a database that is down.
actor FlakyLeaseStore: LeaseStore {
    var failing = false
    var renewals = 0
    var leases: [String: Lease] = [:]

    func fail(_ on: Bool) { failing = on }

    private func check() throws {
        if failing { throw URLError(.cannotConnectToHost) }
    }

    func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool
    ) async throws -> Lease {
        try check()
        if let current = leases[key], current.holder != holder, current.expiresAt > now { return current }
        let lease = Lease(key: key, holder: holder, acquiredAt: now, renewedAt: now, expiresAt: now + ttl.seconds)
        leases[key] = lease
        return lease
    }

    func acquireLease(
        _ key: String, holder: String, ttl: Duration, now: Date, isGone: @Sendable (String) -> Bool, blockedBy: String
    ) async throws -> Lease {
        try await acquireLease(key, holder: holder, ttl: ttl, now: now, isGone: isGone)
    }

    func requestKeys(_ keys: [String], by holder: String, at time: Date) async throws { try check() }
    func keyRequests() async throws -> [String] { try check(); return [] }
    func removeKeyRequests(_ keys: [String]) async throws { try check() }

    func renewLeases(_ keys: [String], holder: String, ttl: Duration, now: Date) async throws -> Set<String> {
        renewals += 1
        try check()
        return Set(keys.filter { leases[$0]?.holder == holder })
    }

    func releaseLeases(_ keys: [String], holder: String) async throws {
        try check()
        for key in keys where leases[key]?.holder == holder { leases[key] = nil }
    }

    func leases() async throws -> [Lease] { try check(); return Array(leases.values) }
}
