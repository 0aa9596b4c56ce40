import Foundation
import StewardTestSupport
import Testing

/// `steward drift` on the quickstart (the local server): an untouched deploy has no drift; a `.env` edited on the
/// server is reported with its diff (keys, never values), as condition Drifted=True and an event; `selfHeal` makes the
/// next reconcile redeploy, which restores the file and clears the condition.
@Suite(.serialized)
struct DriftIntegrationTests {
    private func steward(_ arguments: [String], _ fixture: QuickstartFixture) throws -> StewardBinary.Result {
        try StewardBinary.run(arguments + fixture.stateArguments)
    }

    @Test func anEditedEnvIsReportedAndSelfHealRestoresIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        #expect(try fixture.reconcile().status == 0)
        let never = try steward(["drift"], fixture)
        #expect(never.status == 0 && never.stdout.contains("no project was checked for drift yet"), "\(never.stdout)\(never.stderr)")

        let clean = try steward(["drift", "--check", "--config-repo", fixture.config.bare], fixture)
        #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
        #expect(clean.stdout.contains("project/hello: in sync"), "\(clean.stdout)")
        #expect(try steward(["describe", "project", "hello"], fixture).stdout.contains("Drifted=False"))

        // Someone edits the app's .env on the server.
        let envFile = fixture.state.url.appendingPathComponent("apps/hello/.env")
        let original = try String(contentsOf: envFile, encoding: .utf8)
        try (original.replacingOccurrences(of: "GREETING=", with: "GREETING=hacked-") + "DEBUG=1\n")
            .write(to: envFile, atomically: true, encoding: .utf8)
        let drifted = try steward(["drift", "--check", "hello", "--config-repo", fixture.config.bare], fixture)
        #expect(drifted.status == 1, "\(drifted.stdout)\(drifted.stderr)")
        #expect(drifted.stdout.contains("project/hello: DRIFTED"), "\(drifted.stdout)")
        #expect(drifted.stdout.contains("~ Write the .env file on local"), "\(drifted.stdout)")
        #expect(drifted.stdout.contains("-DEBUG (added on the host)") && drifted.stdout.contains("~GREETING (value changed on the host)"))
        #expect(!drifted.stdout.contains("hacked"), "values never appear")
        #expect(try String(contentsOf: envFile, encoding: .utf8).contains("hacked"), "a check changes nothing")
        let shown = try steward(["drift", "hello", "-o", "json"], fixture)
        #expect(shown.status == 1 && shown.stdout.contains("\"status\" : \"drifted\""), "\(shown.stdout)")
        #expect(try steward(["describe", "project", "hello"], fixture).stdout.contains("Drifted=True"))
        #expect(try steward(["events", "--project", "hello"], fixture).stdout.contains("DriftDetected"))

        // Without selfHeal a reconcile leaves it (it is reported, not healed).
        #expect(try fixture.reconcile().status == 0)
        #expect(try String(contentsOf: envFile, encoding: .utf8).contains("hacked"))

        // selfHeal (steward.yaml: no deploy input changes): the next reconcile redeploys the same inputs, which writes the
        // file back.
        let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
        try fixture.config.write("steward.yaml", settings + "selfHeal: true\n")
        _ = try await fixture.config.commit("selfHeal")
        let healed = try fixture.reconcile()
        #expect(healed.status == 0, "\(healed.stdout)\(healed.stderr)")
        #expect(healed.stdout.contains("drifted: self-heal") || healed.stderr.contains("drifted: self-heal"), "\(healed.stdout)\(healed.stderr)")
        #expect(try String(contentsOf: envFile, encoding: .utf8) == original)
        #expect(try steward(["describe", "project", "hello"], fixture).stdout.contains("Drifted=False"))
        let after = try steward(["drift", "--check", "--config-repo", fixture.config.bare], fixture)
        #expect(after.status == 0 && after.stdout.contains("in sync"), "\(after.stdout)\(after.stderr)")
        #expect(try steward(["events", "--project", "hello"], fixture).stdout.contains("DriftResolved"))
    }
}

/// `intervals.driftCheck` under `steward run`: the controller checks each project on its own key, reports the drift it
/// finds (events, /metrics' steward_drifted_projects) and, with selfHeal, redeploys at once.
@Suite(.serialized)
struct DriftControllerIntegrationTests {
    @Test func theControllerFindsDriftOnItsIntervalAndHealsIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
        try fixture.config.write("steward.yaml", settings + "selfHeal: true\nintervals: {driftCheck: 2s}\n")
        try await fixture.config.commit("drift checks every 2 s, self-heal")
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        try await controller.waitFor("hello deployed") { await httpGet(url) != nil }
        try await controller.waitFor("a drift check that finds nothing") { controller.text.contains("project/hello matches its last deploy") }

        let envFile = fixture.state.url.appendingPathComponent("apps/hello/.env")
        let original = try String(contentsOf: envFile, encoding: .utf8)
        try (original + "DEBUG=1\n").write(to: envFile, atomically: true, encoding: .utf8)
        try await controller.waitFor("the drift found and healed") {
            // The deploy's line comes once it is recorded, after the file was written back.
            controller.text.contains("project/hello drifted: 2 tasks would change") && controller.text.contains("drifted: self-heal")
        }
        #expect(try String(contentsOf: envFile, encoding: .utf8) == original)
        let events = try StewardBinary.run(["events", "--project", "hello"] + fixture.stateArguments).stdout
        #expect(events.contains("DriftDetected") && events.contains("DeploySucceeded"), "\(events)")
        try await controller.waitFor("Drifted=False after the redeploy") {
            (try? StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments).stdout.contains("Drifted=False")) == true
        }
        let base = "http://" + (try await controller.listenAddress(fixture.stateArguments))
        let metrics = await httpGet(base + "/metrics") ?? ""
        #expect(metrics.contains("steward_drifted_projects 0"), "\(metrics)")
    }
}
