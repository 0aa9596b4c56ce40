import Foundation
import StewardModel
import StewardStore
import StewardTestSupport
import Testing

/// `steward suspend`'s table and the `Suspended` condition it keeps on the record, whoever saves the record.
struct SuspensionStoreTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func project(_ name: String = "hello", suspendInManifest: Bool = false) -> ProjectRecord {
        ProjectRecord(name: name, phase: .active, spec: ProjectSpec(repo: "acme/\(name)", suspend: suspendInManifest), updatedAt: now)
    }

    @Test(arguments: SQLDialect.allCases) func suspendingSetsTheConditionAndAStaleSaveNeverTakesItAway(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.save(project: project(), events: [])
        // What the controller read before the suspension, saved after it.
        let stale = try #require(try await store.project(named: "hello"))
        let event = EventRecord(time: now, objectKind: "Project", objectName: "hello", reason: "Suspended", message: "incident 42")
        #expect(try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: "incident 42", at: now, events: [event]))
        #expect(try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: "incident 42", at: now, events: []) == false)
        var suspended = try #require(try await store.project(named: "hello")?.conditions[Condition.suspended])
        #expect(suspended.status == .true && suspended.reason == "Command" && suspended.message.hasPrefix("steward suspend: incident 42"))
        #expect(suspended.lastTransitionTime == now)
        try await store.save(project: stale, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.suspended]?.status == .true, "a stale save keeps it")
        #expect(try await store.suspensions() == [Suspension(objectKind: "Project", objectName: "hello", reason: "incident 42", since: now)])
        #expect(try await store.events(objectKind: "Project", objectName: "hello", limit: 5).map(\.reason) == ["Suspended"])

        // Another reason keeps the time it started; resuming removes it, and a stale save does not bring it back.
        let later = now.addingTimeInterval(60)
        try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: "still investigating", at: later, events: [])
        suspended = try #require(try await store.project(named: "hello")?.conditions[Condition.suspended])
        #expect(suspended.message.contains("still investigating") && suspended.lastTransitionTime == now)
        let whileSuspended = try #require(try await store.project(named: "hello"))
        #expect(try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: nil, at: later, events: []))
        try await store.save(project: whileSuspended, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.suspended] == nil)
        #expect(try await store.suspensions().isEmpty)
    }

    @Test(arguments: SQLDialect.allCases) func theManifestsSuspendAndTheCommandAreBothSaidAndAServerIsSuspendedToo(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.save(project: project(suspendInManifest: true), events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.suspended]?.reason == "Manifest")
        try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: "both", at: now, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.suspended]?.reason == "CommandAndManifest")
        try await store.setSuspension(objectKind: "Project", objectName: "hello", reason: nil, at: now, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.suspended]?.reason == "Manifest", "git still says so")

        try await store.save(server: ServerRecord(name: "vps-1", status: .ready, updatedAt: now), events: [])
        try await store.setSuspension(objectKind: "Server", objectName: "vps-1", reason: "disk swap", at: now, events: [])
        let server = try #require(try await store.server(named: "vps-1"))
        #expect(server.conditions[Condition.suspended]?.status == .true)
        try await store.save(server: ServerRecord(name: "vps-1", status: .error, updatedAt: now), events: [])
        #expect(try await store.server(named: "vps-1")?.conditions[Condition.suspended]?.status == .true)
        try await store.deleteServer(named: "vps-1", events: [])
        #expect(try await store.suspensions().isEmpty, "a deleted object's suspension goes with it")
    }

    @Test(arguments: SQLDialect.allCases) func anUnknownObjectIsRefused(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        await #expect(throws: StoreError.self) {
            try await fixture.store.setSuspension(objectKind: "Project", objectName: "ghost", reason: "x", at: now, events: [])
        }
        await #expect(throws: StoreError.self) {
            try await fixture.store.setSuspension(objectKind: "Incident", objectName: "1", reason: "x", at: now, events: [])
        }
    }
}
