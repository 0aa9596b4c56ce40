import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardStore

/// What the HTTP surface reads and remembers: counts by phase, status and open incident kind; webhook delivery ids,
/// each acted on once, the newest kept.
struct SurfaceStoreTests {
    @Test(arguments: SQLDialect.allCases) func countsGroupProjectsServersAndOpenIncidents(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.save(project: Samples.fullProject("shop"), events: [])
        try await store.save(project: Samples.minimalProject("bare"), events: [])
        try await store.save(server: Samples.fullServer("alpha"), events: [])
        let incident = IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: "shop",
                                      message: "404", openedAt: Samples.time)
        _ = try await store.openIncident(incident, events: [])
        let counts = try await store.objectCounts()
        #expect(counts.projectsByPhase.values.reduce(0, +) == 2)
        #expect(counts.serversByStatus.values.reduce(0, +) == 1)
        #expect(counts.openIncidents == [ObjectCounts.IncidentKey(type: "repo_missing", severity: "critical"): 1])
        _ = try await store.updateOpenIncident(
            kind: .repoMissing, objectKind: "Project", objectName: "shop", status: .resolved, message: "back",
            at: Samples.time + 60, events: [])
        #expect(try await store.objectCounts().openIncidents.isEmpty, "a resolved incident is not open")
    }

    @Test(arguments: SQLDialect.allCases) func aDeliveryIsNewOnceAndOnlyTheNewestAreKept(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        #expect(try await store.rememberDelivery("d-1", event: "push", at: Samples.time, keep: 3))
        #expect(try await !store.rememberDelivery("d-1", event: "push", at: Samples.time, keep: 3), "a redelivery")
        #expect(try await !fixture.reopen().rememberDelivery("d-1", event: "push", at: Samples.time, keep: 3),
            "remembered across processes")
        for id in ["d-2", "d-3", "d-4"] {
            #expect(try await store.rememberDelivery(id, event: "push", at: Samples.time, keep: 3))
        }
        #expect(try await store.rememberDelivery("d-1", event: "push", at: Samples.time, keep: 3), "forgotten beyond the newest 3")
        #expect(try await !store.rememberDelivery("d-4", event: "push", at: Samples.time, keep: 3))
    }

    @Test(arguments: SQLDialect.allCases) func everyWriteOfAProjectRowMovesItsVersionAndOnlyChangedRowsAreReadAgain(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.save(project: Samples.fullProject("shop"), events: [])
        try await store.save(project: Samples.minimalProject("bare"), events: [])
        let first = try await store.projectSnapshot(known: [:])
        #expect(first.versions.map(\.name) == ["bare", "shop"] && first.changed.count == 2)
        var known = Dictionary(uniqueKeysWithValues: first.versions.map { ($0.name, $0.version) })
        #expect(try await store.projectSnapshot(known: known).changed.isEmpty, "nothing written: nothing read")

        try await store.setAgentStatus(project: "shop", engineering: .working, zavhoz: nil)
        let second = try await store.projectSnapshot(known: known)
        #expect(second.changed.map(\.name) == ["shop"], "a column update moves the version too")
        known = Dictionary(uniqueKeysWithValues: second.versions.map { ($0.name, $0.version) })

        try await store.deleteProject(named: "bare", events: [])
        try await store.save(project: Samples.minimalProject("bare"), events: [])
        let third = try await store.projectSnapshot(known: known)
        #expect(third.changed.map(\.name) == ["bare"], "a row deleted and inserted again is never its old version")
        #expect(try await fixture.reopen(readOnly: true).projectSnapshot(known: [:]).changed.count == 2, "read-only too")
    }
}
