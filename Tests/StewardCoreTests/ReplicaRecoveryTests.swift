import Foundation
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardCore

/// A dead replica's server runs (docs/ARCHITECTURE.md §4): the replica holding `servers` marks them interrupted, but
/// never while a live process holds a `server/` key (whose reconcile runs them too).
struct ReplicaRecoveryTests {
    @Test func theServersKeyMarksADeadReplicasServerRunsOnlyWhileNoLiveProcessHoldsAServerKey() async throws {
        let harness = try ReconcilerHarness()
        let leaseStore = FlakyLeaseStore()
        let leases = KeyLeases(store: leaseStore, holder: LeaseHolder(role: "run"))
        let controller = Controller(reconciler: try harness.reconciler(), leases: leases)
        let provision = try await harness.store.beginRun(RunRecord(
            kind: "provision", server: "alpha", playbook: "provision.yml", inputHash: "i", startedAt: Date()))
        let deploy = try await harness.store.beginRun(RunRecord(
            kind: "deploy", project: "hello", server: "alpha", playbook: "deploy_project.yml", inputHash: "d", startedAt: Date()))

        // Another live process (this one's pid, another token) reconciles server/alpha: the run may be its own.
        let other = KeyLeases(store: leaseStore, holder: LeaseHolder(role: "run"))
        #expect(try await other.tryAcquire("server/alpha") == nil)
        try await controller.recoverDeadReplicasServerRuns()
        #expect(await harness.store.runs(server: "alpha", limit: 5).map(\.status) == [.running])

        await other.release(["server/alpha"])
        try await controller.recoverDeadReplicasServerRuns()
        #expect(await harness.store.runs(server: "alpha", limit: 5).map(\.id) == [provision])
        #expect(await harness.store.runs(server: "alpha", limit: 5).map(\.status) == [.interrupted])
        #expect(await harness.store.runs(project: "hello", limit: 5).map(\.id) == [deploy])
        #expect(await harness.store.runs(project: "hello", limit: 5).map(\.status) == [.running],
            "a project's run is for its key's holder to recover")
    }
}
