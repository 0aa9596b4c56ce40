import Foundation
import StewardTestSupport
import Testing

/// The PO's Fix starts the Recovery agent: the quickstart's app is killed, declared down, and `steward ask
/// "fix hello"` redeploys it (real ansible-playbook) until it answers, resolving the incident.
@Suite(.serialized)
struct AskFixIntegrationTests {
    @Test func askingToFixADownProjectRedeploysItAndResolvesTheIncident() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let health = HealthIntegrationTests()
        let app = HealthIntegrationTests.App(fixture: fixture)
        let url = "http://127.0.0.1:\(fixture.port)/health"
        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")

        try await app.stop()
        await #expect(health.waitForHealth(url, answering: false))
        for _ in 1...3 { _ = try health.syncHealth(fixture) }
        #expect(try health.openIncidents(fixture).count == 1)

        let fixed = try StewardBinary.run(["ask", "fix hello"] + fixture.configArguments)
        #expect(fixed.status == 0, "\(fixed.stdout)\n\(fixed.stderr)")
        #expect(fixed.stdout.contains("Recovered hello:"), "\(fixed.stdout)")
        #expect(fixed.stdout.contains("service_down on Project hello: resolved"), "\(fixed.stdout)")
        #expect(fixed.stdout.contains("redeploy hello: ok"), "\(fixed.stdout)")
        await #expect(httpGet(url)?.contains("ok") == true)
        #expect(try health.openIncidents(fixture).isEmpty)
    }
}
