import Foundation
import StewardModel
import Testing
@testable import StewardStore

struct ProjectAndServerStoreTests {
    @Test(arguments: SQLDialect.allCases) func projectWithEveryFieldRoundTrips(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let project = Samples.fullProject()
        try await fixture.store.save(project: project, events: [])
        #expect(try await fixture.store.project(named: "shop") == project)
        // From a fresh connection too, so nothing comes from memory.
        #expect(try await fixture.reopen().project(named: "shop") == project)
    }

    @Test(arguments: SQLDialect.allCases) func projectWithOptionalFieldsNilRoundTrips(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let project = Samples.minimalProject()
        try await fixture.store.save(project: project, events: [])
        #expect(try await fixture.reopen().project(named: "bare") == project)
        #expect(try await fixture.store.project(named: "unknown") == nil)
    }

    @Test(arguments: SQLDialect.allCases) func datesFromTheWallClockRoundTripExactly(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        // About half of all Date() values would lose their last bit through unix seconds.
        let projects = (0..<200).map { index in
            var project = Samples.minimalProject("p\(index)")
            project.updatedAt = Date()
            project.lastDeployedAt = Date(timeIntervalSinceNow: Double(index) * 0.001_7)
            return project
        }
        for project in projects { try await fixture.store.save(project: project, events: []) }
        #expect(try await fixture.reopen().projects() == projects.sorted { $0.name < $1.name })
    }

    @Test(arguments: SQLDialect.allCases) func specAndConditionsAreCanonicalJSON(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.store.save(project: Samples.fullProject(), events: [])
        let (spec, conditions) = try #require(try fixture.rawDatabase().query("SELECT spec, conditions FROM projects") {
            (try $0.string(at: 0), try $0.string(at: 1))
        }.first)
        #expect(spec.hasPrefix(#"{"brief":"#))
        #expect(spec.contains(#""repo":"acme/shop""#))
        #expect(conditions.hasPrefix(#"[{"lastTransitionTime":"#))
    }

    @Test(arguments: SQLDialect.allCases) func saveReplacesAndListsByName(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        var project = Samples.fullProject("zeta")
        try await fixture.store.save(project: project, events: [])
        try await fixture.store.save(project: Samples.minimalProject("alpha"), events: [])
        project.phase = .active
        project.resumePhase = nil
        project.spec = nil
        project.conditions = []
        project.port = nil
        project.failCount = 0
        try await fixture.store.save(project: project, events: [])
        let all = try await fixture.store.projects()
        #expect(all.map(\.name) == ["alpha", "zeta"])
        #expect(all.last == project)
    }

    @Test(arguments: SQLDialect.allCases) func planningReadSkipsSpecAndConditionsAndKeepsEverythingElse(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let project = Samples.fullProject()
        try await fixture.store.save(project: project, events: [])
        var expected = project
        expected.spec = nil
        expected.conditions = []
        #expect(project.spec != nil && !project.conditions.isEmpty)
        #expect(try await fixture.store.projects(withDetails: false) == [expected])
        #expect(try await fixture.store.projects(withDetails: true) == [project])
    }

    @Test(arguments: SQLDialect.allCases) func saveAppendsEventsInTheSameCall(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let events = [Samples.event("shop", reason: "Registered"), Samples.event("shop", at: 1)]
        try await fixture.store.save(project: Samples.fullProject(), events: events)
        let stored = try await fixture.store.events(objectKind: "Project", objectName: "shop", limit: 10)
        #expect(stored.withoutIDs == events)
        #expect(stored.allSatisfy { $0.id != nil })
    }

    @Test(arguments: SQLDialect.allCases) func deleteProjectRemovesItsAllocationsOnly(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.save(project: Samples.fullProject("shop"), events: [])
        try await store.save(project: Samples.fullProject("blog"), events: [])
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8010) == 8000)
        #expect(try await store.allocatePort(project: "shop", server: "beta", range: 8000...8010) == 8000)
        #expect(try await store.allocatePort(project: "blog", server: "alpha", range: 8000...8010) == 8001)
        try await store.deleteProject(named: "shop", events: [Samples.event("shop", reason: "Deleted")])
        #expect(try await store.project(named: "shop") == nil)
        #expect(try await store.projects().map(\.name) == ["blog"])
        let allocations = try fixture.rawDatabase().query("SELECT project, server, port FROM allocations") {
            "\(try $0.string(at: 0))@\(try $0.string(at: 1)):\(try $0.int(at: 2))"
        }
        #expect(allocations == ["blog@alpha:8001"])
        #expect(try await store.events(objectKind: "Project", objectName: "shop", limit: 5).map(\.reason) == ["Deleted"])
        // Deleting what is not there is not an error.
        try await store.deleteProject(named: "shop", events: [])
    }

    @Test(arguments: SQLDialect.allCases) func serverRoundTripsReplacesAndDeletes(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let full = Samples.fullServer()
        let bare = ServerRecord(name: "beta", status: .discovered, updatedAt: Samples.time)
        try await store.save(server: full, events: [Samples.event("alpha", kind: "Server", reason: "Registered")])
        try await store.save(server: bare, events: [])
        #expect(try await fixture.reopen().servers() == [full, bare])
        var changed = full
        changed.status = .error
        changed.spec = nil
        try await store.save(server: changed, events: [])
        #expect(try await store.server(named: "alpha") == changed)
        try await store.deleteServer(named: "alpha", events: [Samples.event("alpha", kind: "Server", reason: "Deleted")])
        #expect(try await store.server(named: "alpha") == nil)
        #expect(try await store.servers() == [bare])
        let reasons = try await store.events(objectKind: "Server", objectName: "alpha", limit: 10).map(\.reason)
        #expect(reasons == ["Registered", "Deleted"])
    }

    /// Makes the database itself fail the event insert that follows the upsert, in the same transaction.
    private func failEventInserts(_ fixture: StoreFixture) throws {
        switch fixture.engine {
        case .sqlite:
            try fixture.rawDatabase().execute(
                """
                CREATE TRIGGER refuse_boom BEFORE INSERT ON events WHEN NEW.reason = 'Boom'
                BEGIN SELECT RAISE(ABORT, 'event refused by test trigger'); END
                """
            )
        case .postgres:
            try fixture.rawDatabase().execute(
                """
                CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'event refused by test trigger'; END $$;
                CREATE TRIGGER refuse_boom BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.reason = 'Boom')
                EXECUTE FUNCTION refuse_boom();
                """
            )
        }
    }

    @Test(arguments: SQLDialect.allCases) func saveWhoseEventInsertFailsLeavesNoPartialRow(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        try failEventInserts(fixture)
        let events = [Samples.event("shop", reason: "Registered"), Samples.event("shop", reason: "Boom", at: 1)]
        let error = await #expect(throws: StoreError.self) {
            try await fixture.store.save(project: Samples.fullProject(), events: events)
        }
        #expect(error?.description.contains("event refused by test trigger") == true)
        #expect(try await fixture.store.project(named: "shop") == nil)
        #expect(try await fixture.store.events(objectKind: nil, objectName: nil, limit: 10).isEmpty)

        // An update that fails keeps the previous row.
        let original = Samples.minimalProject("shop")
        try await fixture.store.save(project: original, events: [])
        var updated = original
        updated.phase = .active
        await #expect(throws: StoreError.self) { try await fixture.store.save(project: updated, events: events) }
        #expect(try await fixture.store.project(named: "shop") == original)
    }

    @Test(arguments: SQLDialect.allCases) func deleteWhoseEventInsertFailsKeepsProjectAndPorts(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        try failEventInserts(fixture)
        try await fixture.store.save(project: Samples.minimalProject("shop"), events: [])
        _ = try await fixture.store.allocatePort(project: "shop", server: "alpha", range: 8000...8001)
        await #expect(throws: StoreError.self) {
            try await fixture.store.deleteProject(named: "shop", events: [Samples.event("shop", reason: "Boom")])
        }
        #expect(try await fixture.store.project(named: "shop") != nil)
        #expect(try await fixture.store.allocatePort(project: "other", server: "alpha", range: 8000...8001) == 8001)
    }

    @Test(arguments: SQLDialect.allCases) func unknownStoredPhaseIsReportedAsCorruptData(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        try await fixture.store.save(project: Samples.minimalProject("shop"), events: [])
        try fixture.rawDatabase().run("UPDATE projects SET phase = 'hibernating'")
        let error = await #expect(throws: StoreError.self) { try await fixture.store.projects() }
        #expect(error?.kind == .corruptData)
        #expect(error?.description.contains(#""hibernating""#) == true)
        #expect(error?.description.contains("phase") == true)
    }
}
