import Foundation
import StewardTestSupport
import Testing

/// Maintenance (seed 5.1) end to end with the built binary on the embedded default (builtin agents, local
/// forge, a local server): a change request asked of the PO on an active project is engineered and redeployed;
/// one the builtin developer cannot do waits for a person while the deployed version keeps serving.
@Suite(.serialized)
struct MaintenanceIntegrationTests {
    private func ask(_ fixture: EngineeringFixture, _ message: String) throws {
        let asked = try StewardBinary.run(["ask", message] + fixture.configArguments)
        #expect(asked.status == 0, "\(asked.stdout)\n\(asked.stderr)")
        #expect(asked.stdout.contains("commit:"), "\(asked.stdout)")
    }

    @Test func aChangeRequestOnAnActiveProjectIsEngineeredRedeployedAndThenNothingHappens() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture(changes: "  changes:\n    - {id: about, description: \"add endpoint /about returning a tiny shop\"}")
        defer { fixture.stopApps() }
        _ = try fixture.reconcile()
        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/about")?.contains("a tiny shop") == true)
        #expect(try fixture.reconcile().stdout.contains("0 actions, 0 ansible-playbook runs"))

        try ask(fixture, "shop: add endpoint /stats returning ok")
        let engineered = try fixture.reconcile()
        #expect(engineered.status == 2, "\(engineered.stdout)\n\(engineered.stderr)")
        #expect(engineered.stdout.contains("pending: Project/shop: verified"), "\(engineered.stdout)")
        #expect(engineered.stderr.contains("maintenance: change requests"), "\(engineered.stderr)")
        // Engineered, not deployed yet: the old version still serves, without the new endpoint.
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/stats")?.contains("ok") != true)
        await #expect(try fixture.commitCount() == 3)

        let redeployed = try fixture.reconcile()
        #expect(redeployed.status == 0, "\(redeployed.stdout)\n\(redeployed.stderr)")
        #expect(redeployed.stdout.contains("1 ansible-playbook runs"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/stats")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/about")?.contains("a tiny shop") == true)

        // No new change request: no engineering, no deploy, no commit.
        let idle = try fixture.reconcile()
        #expect(idle.status == 0)
        #expect(idle.stdout.contains("0 actions, 0 ansible-playbook runs"), "\(idle.stdout)\n\(idle.stderr)")
        await #expect(try fixture.commitCount() == 3)
        let describe = try fixture.describe()
        #expect(describe.contains("Phase:         active"))
        #expect(describe.contains("(implemented)") && !describe.contains("(pending)"), "\(describe)")
        #expect(describe.contains("Engineering:   idle (zavhoz done"), "\(describe)")
        // describe lists the last 20 events: the maintenance thread's (the first build's scrolled out).
        for step in ["active -> maintenance", "maintenance -> implementing", "MaintenancePlanned", "RepoFound"] {
            #expect(try fixture.eventCount(step) == (step == "RepoFound" ? 0 : 1), "\(step)")
        }
        let json = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments).stdout
        #expect(json.contains("\"engineeringStatus\" : \"idle\"") && json.contains("\"zavhozStatus\" : \"done\""), "\(json)")
    }

    @Test func aChangeTheBuiltinDeveloperCannotDoWaitsWhileTheOldVersionServesAndTheAnswerResumesIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture()
        defer { fixture.stopApps() }
        _ = try fixture.reconcile()
        #expect(try fixture.reconcile().status == 0)

        try ask(fixture, "shop: make it sparkle")
        let asked = try fixture.reconcile()
        #expect(asked.status == 2, "\(asked.stdout)\n\(asked.stderr)")
        #expect(asked.stdout.contains("pending: Project/shop: implementing: The builtin developer cannot implement change"), "\(asked.stdout)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        // Asked again: still waiting, nothing repeated.
        #expect(try fixture.reconcile().status == 2)
        #expect(try fixture.eventCount("Warning  WaitingForAnswer") == 1)
        var describe = try fixture.describe()
        #expect(describe.contains("Engineering:   blocked"), "\(describe)")
        #expect(describe.contains("(pending)"), "\(describe)")
        let json = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments).stdout
        #expect(json.contains("\"engineeringStatus\" : \"blocked\""), "\(json)")

        let answered = try StewardBinary.run(["answer", "shop", "add endpoint /sparkle returning sparkles"] + fixture.configArguments)
        #expect(answered.status == 2, "\(answered.stdout)\n\(answered.stderr)")
        #expect(answered.stdout.contains("pending: Project/shop: verified"), "\(answered.stdout)")
        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/sparkle")?.contains("sparkles") == true)
        describe = try fixture.describe()
        #expect(describe.contains("Phase:         active") && describe.contains("Engineering:   idle"), "\(describe)")
        #expect(try fixture.reconcile().stdout.contains("0 actions, 0 ansible-playbook runs"))
    }

    @Test func blueGreenKeepsServingWhileTheMaintenanceDeployReplacesTheVersion() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await EngineeringFixture(changes: "  deploy: {strategy: blueGreen}", ports: 3)
        defer { fixture.stopApps() }
        _ = try fixture.reconcile()
        let first = try fixture.reconcile()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)

        try ask(fixture, "shop: add endpoint /stats returning ok")
        #expect(try fixture.reconcile().stdout.contains("pending: Project/shop: verified"))
        // The public port is polled throughout the redeploy: the old slot serves until nginx switched.
        let poller = HealthPoller(url: "http://127.0.0.1:\(fixture.port)/health")
        poller.start()
        let redeployed = try fixture.reconcile()
        let counts = poller.stop()
        #expect(redeployed.status == 0, "\(redeployed.stdout)\n\(redeployed.stderr)")
        #expect(counts.total >= 10, "the poller ran throughout (\(counts.total) polls)")
        #expect(counts.failed == 0, "\(counts.failed) of \(counts.total) polls failed during the blue/green switch: \(counts.lastError)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/stats")?.contains("ok") == true)
        #expect(try fixture.describe().contains("blueGreen"))
    }
}
