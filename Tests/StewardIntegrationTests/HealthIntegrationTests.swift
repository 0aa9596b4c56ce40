import Foundation
import StewardTestSupport
import Testing

/// The health_checker end to end: the quickstart deployed by real ansible-playbook, its app killed and brought
/// back, `steward sync health --once` run by the real binary against the real port.
@Suite(.serialized)
struct HealthIntegrationTests {
    /// `steward_supervise.py` as the deploy playbook installs it, and the quickstart project's paths.
    struct App {
        let fixture: QuickstartFixture
        var directory: URL { fixture.state.url.appendingPathComponent("apps/hello") }
        var supervisor: String { StewardBinary.repoRoot.appendingPathComponent("playbooks/files/steward_supervise.py").path }
        var pidFile: String { directory.appendingPathComponent("supervisor.pid").path }

        /// Stops supervisor and app together (SIGTERM to the process group), so nothing restarts it.
        func stop() async throws {
            try await run(["python3", supervisor, "stop", "--pid-file", pidFile, "--timeout", "10"])
        }

        /// Starts it again exactly as the deploy playbook's "Start the app under the supervisor" task does.
        func start() async throws {
            let current = directory.appendingPathComponent("current").path
            try await run(["python3", supervisor, "start", "--pid-file", pidFile,
                     "--log-file", directory.appendingPathComponent("app.log").path, "--workdir", current,
                     "--env-file", directory.appendingPathComponent(".env").path, "--port", "\(fixture.port)",
                     "--procfile", current + "/Procfile"])
        }
    }

    func openIncidents(_ fixture: QuickstartFixture) throws -> [[String: Any]] {
        let listed = try StewardBinary.run(["get", "incidents", "-o", "json"] + fixture.stateArguments)
        let incidents = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return incidents.filter { ($0["kind"] as? String) == "service_down" && ["detected", "recovering"].contains($0["status"] as? String) }
    }

    func syncHealth(_ fixture: QuickstartFixture) throws -> StewardBinary.Result {
        try StewardBinary.run(["sync", "health", "--once"] + fixture.configArguments)
    }

    /// Waits up to `Patience.base` for the health URL to answer (or to stop answering); records the timeout.
    func waitForHealth(_ url: String, answering: Bool) async -> Bool {
        do {
            try await waitUntil("\(url) to \(answering ? "answer" : "stop answering")", every: .milliseconds(250)) {
                await (httpGet(url) != nil) == answering
            }
            return true
        } catch {
            Issue.record(error)
            return false
        }
    }

    @Test func aKilledAppIsDownAfterThreeChecksAndRecoversWhenItIsBack() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let app = App(fixture: fixture)
        let url = "http://127.0.0.1:\(fixture.port)/health"

        // The pass deploys, then runs its first health round (due: none ran before).
        let deployed = try fixture.reconcile()
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")
        #expect(deployed.stderr.contains("health check finished"))
        let first = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        #expect(first.stdout.contains("Health:        healthy (HTTP 200), 0 failed in a row"), "\(first.stdout)")
        #expect(first.stdout.contains("Healthy=True"))

        try await app.stop()
        await #expect(waitForHealth(url, answering: false))

        // Two failures: counted, no incident.
        for count in 1...2 {
            let check = try syncHealth(fixture)
            #expect(check.status == 2, "\(check.stdout)\n\(check.stderr)")
            #expect(check.stdout.contains("hello: failed"))
            #expect(check.stdout.contains("(\(count) failed in a row)"))
            #expect(try openIncidents(fixture).isEmpty)
        }
        // The third: one critical service_down incident, phase still active.
        let third = try syncHealth(fixture)
        #expect(third.status == 2)
        #expect(third.stdout.contains("hello: DOWN, incident service_down opened"), "\(third.stdout)")
        let open = try openIncidents(fixture)
        #expect(open.count == 1)
        #expect(open.first?["objectName"] as? String == "hello")
        #expect(open.first?["severity"] as? String == "critical")
        #expect((open.first?["message"] as? String)?.contains(url) == true)
        let down = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        #expect(down.stdout.contains("Phase:         active"))
        #expect(down.stdout.contains("Health:        unhealthy, 3 failed in a row"), "\(down.stdout)")
        #expect(down.stdout.contains("critical service_down detected"))
        #expect(down.stdout.contains("Healthy=False ServiceDown"))
        let listed = try StewardBinary.run(["get", "projects"] + fixture.stateArguments)
        #expect(listed.stdout.contains("HEALTH"))
        #expect(listed.stdout.contains(" down "))
        // A fourth failure opens nothing more.
        #expect(try syncHealth(fixture).stdout.contains("hello: still down"))
        #expect(try openIncidents(fixture).count == 1)

        // The next pass repairs it (level-triggered: the same inputs again; the playbook restarts the unhealthy
        // instance) and checks it at once, so the incident is resolved in the pass that fixed it.
        let pass = try fixture.reconcile()
        #expect(pass.status == 0, "\(pass.stdout)\n\(pass.stderr)")
        #expect(pass.stdout.contains("1 ansible-playbook runs"), "\(pass.stdout)")
        #expect(pass.stderr.contains("service down: repair"))
        await #expect(waitForHealth(url, answering: true))
        #expect(try openIncidents(fixture).isEmpty)

        let back = try syncHealth(fixture)
        #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
        #expect(try openIncidents(fixture).isEmpty)
        // Healthy again: the pass after that runs nothing.
        #expect(try fixture.reconcile().stdout.contains("0 ansible-playbook runs"))
        let all = try StewardBinary.run(["get", "incidents", "-o", "json"] + fixture.stateArguments)
        #expect(all.stdout.contains("\"resolved\""))
        let recovered = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        #expect(recovered.stdout.contains("Health:        healthy (HTTP 200), 0 failed in a row"))
        #expect(recovered.stdout.contains("ServiceDown"))
        #expect(recovered.stdout.contains("ServiceRecovered"))
        #expect(recovered.stdout.contains("Healthy=True"))
    }
}
