import Foundation
import StewardCore
import StewardModel
import StewardStore
import StewardTestSupport
import Testing

/// The Recovery agent's status moves on a real SQLite file: detected -> recovering -> resolved | failed, by id.
struct IncidentStatusStoreTests {
    static let time = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: SQLDialect.allCases) func anIncidentMovesByIdWithItsEventsInOneTransaction(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen()
        let opened = try await store.openIncident(
            IncidentRecord(kind: .serverUnreachable, severity: .critical, objectKind: "Server", objectName: "vps-1",
                message: "unreachable", openedAt: Self.time), events: [])
        let id = try #require(opened.id)
        func event(_ reason: String) -> EventRecord {
            EventRecord(time: Self.time, objectKind: "Server", objectName: "vps-1", type: .normal, reason: reason, message: reason)
        }

        let recovering = try #require(try await store.setIncident(
            id: id, status: .recovering, message: "recovering", at: Self.time.addingTimeInterval(1), events: [event("RecoveryStarted")]))
        #expect(recovering.status == .recovering && recovering.resolvedAt == nil)
        // Still open: another detection finds it instead of opening a second one.
        #expect(try await store.incidents(openOnly: true).map(\.id) == [id])

        // Closed meanwhile (server_sync: reachable again), the recovery still records its own end.
        _ = try await store.updateOpenIncident(kind: .serverUnreachable, objectKind: "Server", objectName: "vps-1",
            status: .resolved, message: "reachable again", at: Self.time.addingTimeInterval(2), events: [])
        let failed = try #require(try await store.setIncident(
            id: id, status: .failed, message: "recovery failed: provision", at: Self.time.addingTimeInterval(3),
            events: [event("RecoveryFailed")]))
        #expect(failed.status == .failed && failed.resolvedAt == Self.time.addingTimeInterval(3))
        let reopened = try await fixture.reopen()
        #expect(try await reopened.incidents(openOnly: false).first?.message == "recovery failed: provision")
        #expect(try await reopened.events(objectKind: "Server", objectName: "vps-1", limit: 10).map(\.reason)
            == ["RecoveryStarted", "RecoveryFailed"])
        #expect(try await store.setIncident(id: id + 100, status: .resolved, message: "-", at: Self.time, events: []) == nil)
    }
}
