import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The health_checker's semantics on the in-memory store with a scripted probe: the threshold, one incident,
/// recovery, projects that stop being checked, the concurrency bound and the interval.
struct HealthCheckerTests {
    let store = InMemoryStateStore()
    let probe = FakeHealthProbe()
    static let url = "http://10.231.40.2:8001/health"

    func checker(
        probe: FakeHealthProbe? = nil, downAfter: Int = 3, interval: Int = 60, concurrency: Int = 16,
        now: @escaping @Sendable () -> Date = { Fixtures.now }
    ) -> HealthChecker {
        HealthChecker(
            probe: probe ?? self.probe, store: store, downAfter: downAfter, interval: interval, concurrency: concurrency,
            now: now, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    /// An active project on server `vps` (10.231.40.2) at `port`.
    func addProject(_ name: String, port: Int = 8001, healthPath: String = "/health", phase: ProjectPhase = .active) async {
        if await store.server(named: "vps") == nil {
            await store.save(server: ServerRecord(name: "vps", status: .ready, spec: ServerSpec(address: "10.231.40.2"),
                                                  updatedAt: Fixtures.now), events: [])
        }
        let spec = ProjectSpec(repo: "acme/\(name)", server: "vps", deploy: .init(healthPath: healthPath))
        await store.save(project: ProjectRecord(name: name, repo: "acme/\(name)", phase: phase, spec: spec, server: "vps",
                                                port: port, updatedAt: Fixtures.now), events: [])
    }

    func events(_ reason: String) async -> [EventRecord] {
        await store.eventLog.filter { $0.reason == reason }
    }

    @Test func failuresBelowTheThresholdOnlyCount() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        for expected in 1...2 {
            let report = try await checker().run()
            #expect(report.failing == ["web"])
            #expect(try #require(await store.healthCheck(project: "web")).consecutiveFailures == expected)
        }
        let row = try #require(await store.healthCheck(project: "web"))
        #expect(row.lastStatus == .unhealthy)
        #expect(row.lastError?.contains("connection failed") == true)
        #expect(row.lastCode == nil)
        #expect(row.downSince == nil)
        #expect(await store.incidents(openOnly: false).isEmpty)
        #expect(await events("ServiceDown").isEmpty)
        let project = try #require(await store.project(named: "web"))
        #expect(project.conditions[Condition.healthy]?.status != .false)
        #expect(await probe.requests.map(\.absoluteString) == [Self.url, Self.url])
    }

    @Test func theNthFailureOpensOneCriticalIncidentAndTheNextOnesNoMore() async throws {
        await addProject("web")
        await probe.set(.status(503, "database\nunavailable"), for: Self.url)
        _ = try await checker().run()
        _ = try await checker().run()
        let third = try await checker().run()
        #expect(third.wentDown == ["web"])
        let incidents = await store.incidents(openOnly: true)
        #expect(incidents.count == 1)
        let incident = try #require(incidents.first)
        #expect(incident.kind == .serviceDown)
        #expect(incident.severity == .critical)
        #expect(incident.objectKind == "Project" && incident.objectName == "web")
        #expect(incident.message.contains(Self.url))
        #expect(incident.message.contains("HTTP 503: database unavailable"))
        #expect(incident.message.contains("3 times in a row"))
        let project = try #require(await store.project(named: "web"))
        #expect(project.phase == .active)
        #expect(project.conditions[Condition.healthy]?.status == .false)
        #expect(project.conditions[Condition.healthy]?.reason == "ServiceDown")
        #expect(await events("ServiceDown").count == 1)
        let row = try #require(await store.healthCheck(project: "web"))
        #expect(row.lastCode == 503)
        #expect(row.downSince == Fixtures.now)

        for _ in 0..<3 {
            let later = try await checker().run()
            #expect(later.stillDown == ["web"])
        }
        #expect(await store.incidents(openOnly: false).count == 1)
        #expect(await events("ServiceDown").count == 1)
        #expect(try #require(await store.healthCheck(project: "web")).consecutiveFailures == 6)
    }

    @Test func theThresholdComesFromTheCheckerAndOneFailureCanBeEnough() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        let report = try await checker(downAfter: 1).run()
        #expect(report.wentDown == ["web"])
        #expect(await store.incidents(openOnly: true).count == 1)
    }

    @Test func aSuccessAfterTheIncidentResolvesIt() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        for _ in 0..<3 { _ = try await checker().run() }
        await probe.set(.ok, for: Self.url)
        let report = try await checker().run()
        #expect(report.recovered == ["web"])
        #expect(report.healthy == ["web"])
        #expect(await store.incidents(openOnly: true).isEmpty)
        let resolved = try #require(await store.incidents(openOnly: false).first)
        #expect(resolved.status == .resolved)
        #expect(resolved.resolvedAt == Fixtures.now)
        #expect(resolved.message.contains("answered 200 again after 3 failed checks"))
        #expect(await events("ServiceRecovered").count == 1)
        let project = try #require(await store.project(named: "web"))
        #expect(project.conditions[Condition.healthy]?.status == .true)
        let row = try #require(await store.healthCheck(project: "web"))
        #expect(row.consecutiveFailures == 0)
        #expect(row.lastStatus == .healthy)
        #expect(row.lastError == nil)
        #expect(row.downSince == nil)
        #expect(row.lastHealthyAt == Fixtures.now)

        // A success in between starts the count again.
        await probe.set(.refused, for: Self.url)
        for _ in 0..<2 { _ = try await checker().run() }
        await probe.set(.ok, for: Self.url)
        _ = try await checker().run()
        await probe.set(.refused, for: Self.url)
        for _ in 0..<2 { _ = try await checker().run() }
        #expect(await store.incidents(openOnly: true).isEmpty)
        #expect(await events("ServiceRecovered").count == 1)
    }

    @Test func aDeletedProjectsIncidentIsResolvedAndItsRowDropped() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        for _ in 0..<3 { _ = try await checker().run() }
        #expect(await store.incidents(openOnly: true).count == 1)
        await store.deleteProject(named: "web", events: [])
        let report = try await checker().run()
        #expect(report.stopped == ["web"])
        #expect(report.checked.isEmpty)
        #expect(await store.incidents(openOnly: true).isEmpty)
        let incident = try #require(await store.incidents(openOnly: false).first)
        #expect(incident.status == .resolved)
        #expect(incident.message.contains("was deleted"))
        #expect(await store.healthCheck(project: "web") == nil)
    }

    @Test func aProjectThatLeavesActiveIsNoLongerChecked() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        for _ in 0..<3 { _ = try await checker().run() }
        var project = try #require(await store.project(named: "web"))
        project.phase = .error
        await store.save(project: project, events: [])
        let before = await probe.requests.count
        let report = try await checker().run()
        #expect(report.stopped == ["web"])
        #expect(await probe.requests.count == before)
        let incident = try #require(await store.incidents(openOnly: false).first)
        #expect(incident.status == .resolved)
        #expect(incident.message.contains("no longer active (phase error)"))
        #expect(await store.healthCheck(project: "web") == nil)
        #expect(try #require(await store.project(named: "web")).conditions[Condition.healthy] == nil)
        #expect(await events("HealthCheckStopped").count == 1)
    }

    @Test func aDeployedProjectInMaintenanceIsStillChecked() async throws {
        await addProject("web")
        await probe.set(.refused, for: Self.url)
        for _ in 0..<3 { _ = try await checker().run() }
        // The agents work on a change request; the deployed version still serves and is still watched.
        var project = try #require(await store.project(named: "web"))
        project.phase = .implementing
        project.lastDeployCommit = "c1"
        await store.save(project: project, events: [])
        let report = try await checker().run()
        #expect(report.stopped.isEmpty && report.stillDown == ["web"])
        #expect(try #require(await store.incidents(openOnly: true).first).kind == .serviceDown)
        // A project being built for the first time has nothing deployed: not checked.
        project.lastDeployCommit = nil
        await store.save(project: project, events: [])
        #expect(try await checker().run().stopped == ["web"])
    }

    @Test func urlsUseTheServersAddressTheProjectsPortAndHealthPath() async throws {
        await addProject("a", port: 8001, healthPath: "/healthz")
        await addProject("b", port: 8002, healthPath: "status")
        await store.save(server: ServerRecord(name: "v6", status: .ready, spec: ServerSpec(address: "fd00::2"), updatedAt: Fixtures.now), events: [])
        await store.save(project: ProjectRecord(name: "c", phase: .active, spec: ProjectSpec(repo: "acme/c"), server: "v6",
                                                port: 9000, updatedAt: Fixtures.now), events: [])
        await store.save(project: ProjectRecord(name: "d", phase: .active, spec: ProjectSpec(repo: "acme/d"), server: "gone",
                                                port: 9001, updatedAt: Fixtures.now), events: [])
        await addProject("e", port: 8005, phase: .deploying)
        let report = try await checker().run()
        #expect(report.checked == ["a", "b", "c"])
        #expect(await probe.requests.map(\.absoluteString).sorted()
            == ["http://10.231.40.2:8001/healthz", "http://10.231.40.2:8002/status", "http://[fd00::2]:9000/health"])
        #expect(report.skipped["d"]?.contains("server gone has no recorded address") == true)
        #expect(report.skipped["e"] == nil)
    }

    @Test func checksRunConcurrentlyButNeverMoreThanTheBound() async throws {
        for index in 0..<20 { await addProject("p\(index)", port: 8000 + index) }
        let gated = FakeHealthProbe(latency: .milliseconds(5), barrier: 4)
        let report = try await checker(probe: gated, concurrency: 4).run()
        #expect(report.checked.count == 20)
        #expect(report.healthy.count == 20)
        #expect(await gated.requests.count == 20)
        // The barrier opened only because 4 checks were in flight together; the bound kept it at 4.
        #expect(await gated.barrierTimedOut == false)
        #expect(await gated.maxInFlight == 4)
    }

    @Test func runIfDueWaitsForTheInterval() async throws {
        await addProject("web")
        let clock = MutableDate(Fixtures.now)
        let checker = checker(interval: 60, now: { clock.value })
        #expect(try await checker.runIfDue() != nil)
        clock.value = Fixtures.now.addingTimeInterval(30)
        #expect(try await checker.runIfDue() == nil)
        clock.value = Fixtures.now.addingTimeInterval(61)
        #expect(try await checker.runIfDue() != nil)
        #expect(await probe.requests.count == 2)
        #expect(await store.healthCheckerLastRun() == Fixtures.now.addingTimeInterval(61))
    }
}

/// A date tests move forward by hand.
final class MutableDate: @unchecked Sendable {
    private let lock = NSLock()
    private var date: Date

    init(_ date: Date) { self.date = date }

    var value: Date {
        get { lock.withLock { date } }
        set { lock.withLock { date = newValue } }
    }
}
