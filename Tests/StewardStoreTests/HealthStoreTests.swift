import Foundation
import Logging
import StewardCore
import StewardModel
import StewardStore
import StewardTestSupport
import Testing

/// The health_checker's tables on a real SQLite file, and a failure count that survives restarts.
struct HealthStoreTests {
    static let time = Date(timeIntervalSinceReferenceDate: 786_000_000.123_456_789)

    @Test(arguments: SQLDialect.allCases) func rowsAndTheLastRoundRoundTrip(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen()
        #expect(try await store.healthChecks().isEmpty)
        #expect(try await store.healthCheckerLastRun() == nil)

        let down = HealthCheckRecord(
            project: "web", url: "http://10.231.31.2:8001/health", consecutiveFailures: 4, lastStatus: .unhealthy,
            lastCode: 503, lastError: "HTTP 503: unavailable", lastCheckedAt: Self.time, lastHealthyAt: Self.time - 240,
            downSince: Self.time - 60)
        let fine = HealthCheckRecord(project: "api", url: "http://127.0.0.1:8002/healthz", lastStatus: .healthy,
                                     lastCode: 200, lastCheckedAt: Self.time, lastHealthyAt: Self.time)
        let event = EventRecord(time: Self.time, objectKind: "Project", objectName: "web", reason: "Test", message: "saved")
        try await store.save(healthCheck: down, events: [event])
        try await store.save(healthCheck: fine, events: [])
        try await store.setHealthCheckerLastRun(Self.time)

        let reopened = try await fixture.reopen(readOnly: true)
        #expect(try await reopened.healthChecks() == [fine, down])
        #expect(try await reopened.healthCheck(project: "web") == down)
        #expect(try await reopened.healthCheckerLastRun() == Self.time)
        #expect(try await reopened.events(objectKind: "Project", objectName: "web", limit: 5).map(\.reason) == ["Test"])

        var recovered = down
        recovered.consecutiveFailures = 0
        recovered.lastStatus = .healthy
        recovered.lastCode = 200
        recovered.lastError = nil
        recovered.downSince = nil
        try await store.save(healthCheck: recovered, events: [])
        try await store.setHealthCheckerLastRun(Self.time + 60)
        #expect(try await store.healthCheck(project: "web") == recovered)
        #expect(try await store.healthCheckerLastRun() == Self.time + 60)

        try await store.deleteHealthCheck(project: "web")
        #expect(try await store.healthChecks() == [fine])
    }

    @Test(arguments: SQLDialect.allCases) func theFailureCountSurvivesARestartBetweenChecks(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let probe = FakeHealthProbe(defaultAnswer: .refused)
        let setup = try await fixture.reopen()
        try await setup.save(server: ServerRecord(name: "local", status: .ready,
            spec: ServerSpec(address: "127.0.0.1", connection: .local), updatedAt: Self.time), events: [])
        try await setup.save(project: ProjectRecord(name: "web", phase: .active, spec: ProjectSpec(repo: "acme/web"),
            server: "local", port: 24001, updatedAt: Self.time), events: [])
        func checkInANewProcess() async throws -> HealthCheckReport {
            try await HealthChecker(
                probe: probe, store: try fixture.reopen(), downAfter: 3, now: { Self.time },
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            ).run()
        }
        #expect(try await checkInANewProcess().failing == ["web"])
        #expect(try await checkInANewProcess().failing == ["web"])
        #expect(try await checkInANewProcess().wentDown == ["web"])
        let store = try await fixture.reopen()
        let incident = try #require(try await store.incidents(openOnly: true).first)
        #expect(incident.kind == .serviceDown)
        #expect(incident.message.contains("http://127.0.0.1:24001/health"))
        #expect(try await store.project(named: "web")?.conditions[Condition.healthy]?.status == .false)

        await probe.setDefault(.ok)
        #expect(try await checkInANewProcess().recovered == ["web"])
        #expect(try await store.incidents(openOnly: true).isEmpty)
        #expect(try await store.events(objectKind: "Project", objectName: "web", limit: 10).map(\.reason)
            == ["ServiceDown", "ServiceRecovered"])
    }
}

/// The drift table and the Drifted condition: set with each check, kept by every save, cleared by a later deploy.
struct DriftStoreTests {
    @Test(arguments: SQLDialect.allCases) func aCheckSetsDriftedAndADeployAfterItClearsIt(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen()
        let checked = Date(timeIntervalSince1970: 1_800_000_000)
        var record = ProjectRecord(name: "hello", phase: .active, generation: 1, observedGeneration: 1, updatedAt: checked)
        record.lastDeployedAt = checked.addingTimeInterval(-60)
        try await store.save(project: record, events: [])
        let task = TaskEvent(host: "local", task: "Write the .env file", status: .changed, durationMs: 5, diff: "~GREETING (value changed on the host)")
        let drift = DriftRecord(project: "hello", status: .drifted, checkedAt: checked, commit: "c1", inputHash: "h1", runID: 7,
            tasks: [task], message: DriftRecord.summary(of: [task]))
        try await store.record(drift: drift, events: [EventRecord(time: checked, objectKind: "Project", objectName: "hello",
            type: .warning, reason: "DriftDetected", message: "1 task would change")])
        var condition = try #require(try await store.project(named: "hello")?.conditions[Condition.drifted])
        #expect(condition.status == .true && condition.reason == "ChangedOnServer")
        #expect(condition.message == "1 task would change: Write the .env file (steward drift hello)")
        #expect(try await store.drift(project: "hello")?.tasks == [task])
        #expect(try await store.drift(project: "hello")?.since == checked)

        // Still drifted an hour later: since stays the first time; a save of the record keeps the condition.
        var later = drift
        later.checkedAt = checked.addingTimeInterval(3600)
        try await store.record(drift: later, events: [])
        #expect(try await store.drift(project: "hello")?.since == checked)
        try await store.save(project: record, events: [])
        condition = try #require(try await store.project(named: "hello")?.conditions[Condition.drifted])
        #expect(condition.status == .true && condition.lastTransitionTime == checked)

        // A deploy after the check wrote the server back.
        record.lastDeployedAt = checked.addingTimeInterval(7200)
        try await store.save(project: record, events: [])
        condition = try #require(try await store.project(named: "hello")?.conditions[Condition.drifted])
        #expect(condition.status == .false && condition.reason == "Redeployed")

        // A project that is gone takes its drift row with it; a check of an unknown project is ignored.
        try await store.deleteProject(named: "hello", events: [])
        #expect(try await store.drifts().isEmpty)
        try await store.record(drift: drift, events: [])
        #expect(try await store.drifts().isEmpty)
    }
}

/// `steward rollback --no-commit`: the pin sets Pinned while the record's spec hash is the pinned one.
struct PinStoreTests {
    @Test(arguments: SQLDialect.allCases) func aPinHoldsUntilTheManifestChangesAndUnpinClearsIt(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var record = ProjectRecord(name: "hello", phase: .active, specHash: "spec-1", updatedAt: now)
        try await store.save(project: record, events: [])
        await #expect(throws: (any Error).self) {
            try await store.setPin(project: "nope", Pin(project: "nope", commit: "c", specHash: "s", reason: "r", since: now), events: [])
        }
        let pin = Pin(project: "hello", commit: String(repeating: "a", count: 40), specHash: "spec-1", reason: "rolled back", since: now)
        try await store.setPin(project: "hello", pin, events: [])
        #expect(try await store.pins() == [pin])
        var condition = try #require(try await store.project(named: "hello")?.conditions[Condition.pinned])
        #expect(condition.status == .true && condition.message.hasPrefix("deploys aaaaaaaaaaaa, not what spec.ref says"))
        try await store.save(project: record, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.pinned]?.status == .true, "a save keeps it")

        record.specHash = "spec-2"
        try await store.save(project: record, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.pinned] == nil, "the manifest changed: the pin ends")
        record.specHash = "spec-1"
        try await store.save(project: record, events: [])
        condition = try #require(try await store.project(named: "hello")?.conditions[Condition.pinned])
        try await store.setPin(project: "hello", nil, events: [])
        #expect(try await store.project(named: "hello")?.conditions[Condition.pinned] == nil)
        #expect(try await store.pins().isEmpty)
    }
}
