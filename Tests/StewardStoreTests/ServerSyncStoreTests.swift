import Foundation
import StewardModel
import Testing
@testable import StewardStore

/// Migration 5: server_sync's columns and state, and runs by server.
struct ServerSyncStoreTests {
    @Test(arguments: SQLDialect.allCases) func serverWithoutSyncFieldsKeepsDefaults(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let bare = ServerRecord(name: "beta", status: .discovered, updatedAt: Samples.time)
        try await fixture.store.save(server: bare, events: [])
        let read = try #require(try await fixture.reopen().server(named: "beta"))
        #expect(read.hostKey == nil && read.facts == nil && read.lastSeenAt == nil && read.lastCheckedAt == nil)
        #expect(read.provisionAttempts == 0 && read.provisionedHash == nil && read.deployMarkers.isEmpty)
        let markers = try fixture.rawDatabase().query("SELECT deploy_markers FROM servers") { try $0.string(at: 0) }
        #expect(markers == ["{}"])
    }

    @Test(arguments: SQLDialect.allCases) func specStoredBeforeBootstrapUserExistedDecodesWithRoot(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.store.save(server: Samples.fullServer(), events: [])
        // A row written by a version without bootstrapUser.
        try fixture.rawDatabase().execute(
            #"UPDATE servers SET spec = '{"address":"10.0.0.9","capacity":{"memoryMB":512,"ports":"8000-8010"},"connection":"ssh","labels":{},"port":22,"user":"deploy"}'"#)
        let spec = try #require(try await fixture.reopen().server(named: "alpha")?.spec)
        #expect(spec.bootstrapUser == "root")
        #expect(spec.user == "deploy" && spec.address == "10.0.0.9" && spec.hostKey == nil)
    }

    @Test(arguments: SQLDialect.allCases) func lastServerSyncAttemptIsPersisted(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        #expect(try await fixture.store.lastServerSyncAttempt() == nil)
        try await fixture.store.saveServerSyncAttempt(Samples.time)
        #expect(try await fixture.reopen().lastServerSyncAttempt() == Samples.time)
        let later = Samples.time.addingTimeInterval(60)
        try await fixture.store.saveServerSyncAttempt(later)
        #expect(try await fixture.reopen().lastServerSyncAttempt() == later)
    }

    @Test(arguments: SQLDialect.allCases) func runsOfAServerExcludeProjectRuns(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let bootstrap = try await store.beginRun(RunRecord(
            kind: "bootstrap", server: "alpha", playbook: "bootstrap.yml", inputHash: "i1", startedAt: Samples.time))
        try await store.appendTask(runID: bootstrap, TaskEvent(host: "alpha", task: "Create the deploy user", status: .changed, durationMs: 5))
        _ = try await store.beginRun(RunRecord(
            kind: "deploy", project: "shop", server: "alpha", playbook: "deploy_project.yml", inputHash: "d", startedAt: Samples.time))
        let provision = try await store.beginRun(RunRecord(
            kind: "provision", server: "alpha", playbook: "provision.yml", inputHash: "i1", startedAt: Samples.time))
        _ = try await store.beginRun(RunRecord(
            kind: "provision", server: "beta", playbook: "provision.yml", inputHash: "i2", startedAt: Samples.time))
        let runs = try await fixture.reopen().runs(server: "alpha", limit: 10)
        #expect(runs.map(\.id) == [provision, bootstrap])
        #expect(runs.last?.tasks.map(\.task) == ["Create the deploy user"])
        #expect(try await store.runs(server: "alpha", limit: 1).map(\.id) == [provision])
    }
}
