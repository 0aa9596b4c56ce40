import Foundation
import Logging
import StewardTestSupport
import Testing
@testable import StewardCore

/// The fence (docs/ARCHITECTURE.md §4): a process whose store stops confirming its leases stops acting before they can
/// expire, and acts again once the store answers.
struct KeyLeasesFenceTests {
    /// Leases in memory; every write fails while `failing` is set, as a database that is down.
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
}
