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
        let shownAfterHeal = try steward(["drift", "hello"], fixture)
        #expect(shownAfterHeal.status == 0 && shownAfterHeal.stdout.contains("redeployed since this check"), "\(shownAfterHeal.stdout)")
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

/// Drift on real sshd test hosts (numbers 47–48): a recreate and a blue/green project on th47, one on th48. Edits on th47
/// (the app's .env, a file of its release, the blue/green project's nginx site) are reported with their diffs by one
/// batched check; th48, untouched, has no drift and no changed task; selfHeal restores th47 and clears Drifted.
@Suite(.serialized)
struct DriftOnTestHostsIntegrationTests {
    struct DriftJSON: Decodable {
        struct Task: Decodable {
            var task: String
            var diff: String?
        }

        var project: String
        var status: String
        var tasks: [Task]
    }

    struct Answer: Decodable {
        var projects: [DriftJSON]
    }

    @Test func editsOnAHostAreReportedWithTheirDiffsAndSelfHealRestoresThem() async throws {
        guard getuid() == 0 else {
            Issue.record("the test hosts need root (network namespaces, overlay mounts); run the tests as root")
            return
        }
        try await StewardBinary.requireAnsible()
        let testHosts = try await TestHostFixture(count: 2, first: 47, prefix: "steward-drifthosts")
        defer { testHosts.down() }
        let hosts = testHosts.hosts
        let app = try await GitFixture()
        let forgeRoot = try TemporaryDirectory(prefix: "steward-forge")
        try FileManager.default.createDirectory(at: forgeRoot.url.appendingPathComponent("demo"), withIntermediateDirectories: true)
        try copyTree(StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/app"), into: app.workTree)
        let commit = try await app.commit("app")
        try FileManager.default.createSymbolicLink(atPath: forgeRoot.url.appendingPathComponent("demo/app.git").path, withDestinationPath: app.bare)

        let config = try await GitFixture()
        let settings = """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: local, path: \(forgeRoot.path)}
            ssh: {privateKeyFile: \(hosts[0].privateKeyFile), knownHostsFile: known_hosts}
            intervals: {serverSync: 1h, healthCheck: 1h}
            concurrency: 5

            """
        try config.write("steward.yaml", settings)
        var manifests = ""
        for (index, name) in ["th47", "th48"].enumerated() {
            manifests += """
                ---
                apiVersion: steward/v1
                kind: Server
                metadata: {name: \(name)}
                spec: {address: \(hosts[index].address), user: deploy, bootstrapUser: root, capacity: {memoryMB: 1024, ports: "27000-27099"}}

                """
        }
        for (name, server, strategy) in [("a", "th47", "recreate"), ("b", "th47", "blueGreen"), ("c", "th48", "recreate")] {
            manifests += """
                ---
                apiVersion: steward/v1
                kind: Project
                metadata: {name: \(name)}
                spec:
                  repo: demo/app
                  server: \(server)
                  deploy: {strategy: \(strategy), healthPath: /health}
                  env: |
                    GREETING=hi-\(name)

                """
        }
        try config.write("manifests/all.yaml", manifests)
        try await config.commit("two servers, three projects")
        let state = try TemporaryDirectory(prefix: "steward-state")
        func steward(_ arguments: [String]) throws -> StewardBinary.Result {
            try StewardBinary.run(arguments + ["--config-repo", config.bare, "--state-dir", state.path])
        }
        func check() throws -> (StewardBinary.Result, [String: DriftJSON]) {
            let result = try steward(["drift", "--check", "-o", "json"])
            let answer = try? JSONDecoder().decode(Answer.self, from: Data(result.stdout.utf8))
            return (result, Dictionary(uniqueKeysWithValues: (answer?.projects ?? []).map { ($0.project, $0) }))
        }
        _ = try steward(["reconcile", "--once"])
        let deployed = try steward(["reconcile", "--once"])
        #expect(deployed.status == 0, "\(deployed.stdout)\n\(deployed.stderr)")

        let (clean, cleanRecords) = try check()
        #expect(clean.status == 0, "\(clean.stdout)\n\(clean.stderr)")
        #expect(cleanRecords.count == 3 && cleanRecords.values.allSatisfy { $0.status == "inSync" && $0.tasks.isEmpty }, "\(clean.stdout)")

        // Someone edits th47 (in place, as the deploy user's files stay theirs).
        let home = testHosts.directory.url.appendingPathComponent("steward-th47/merged/home/deploy/.steward")
        func edit(_ path: String, _ change: (String) -> String) throws {
            let file = home.appendingPathComponent(path)
            let text = try String(contentsOf: file, encoding: .utf8)
            try change(text).write(to: file, atomically: false, encoding: .utf8)
        }
        try edit("apps/a/.env") { $0 + "DEBUG=1\n" }
        try edit("apps/a/releases/\(commit)/app.py") { $0 + "\n# hotfix on the server\n" }
        try edit("nginx/sites/b.conf") { $0.replacingOccurrences(of: "proxy_http_version 1.1;", with: "proxy_http_version 1.0;") }

        let (drifted, records) = try check()
        #expect(drifted.status == 1, "\(drifted.stdout)\n\(drifted.stderr)")
        let aTasks = Dictionary(records["a"]?.tasks.map { ($0.task, $0.diff ?? "") } ?? [], uniquingKeysWith: { first, _ in first })
        #expect(records["a"]?.status == "drifted")
        #expect(aTasks["Write the .env file"] == "-DEBUG (added on the host)", "\(aTasks)")
        #expect(aTasks["Check out the commit"]?.contains("+# hotfix on the server") == true, "\(aTasks)")
        #expect(records["b"]?.status == "drifted")
        #expect(records["b"]?.tasks.map(\.task).contains { $0.hasPrefix("Compare the nginx site") } == true, "\(drifted.stdout)")
        #expect(records["b"]?.tasks.first { $0.task.hasPrefix("Compare the nginx site") }?.diff?.contains("+        proxy_http_version 1.1;") == true)
        #expect(records["c"]?.status == "inSync" && records["c"]?.tasks.isEmpty == true, "an untouched host has no drift")
        #expect(try String(contentsOf: home.appendingPathComponent("apps/a/.env"), encoding: .utf8).contains("DEBUG=1"))

        // selfHeal: the next pass redeploys a and b with their inputs, which writes everything back.
        try config.write("steward.yaml", settings + "selfHeal: true\n")
        try await config.commit("self-heal")
        let healed = try steward(["reconcile", "--once"])
        #expect(healed.status == 0, "\(healed.stdout)\n\(healed.stderr)")
        #expect(!(try String(contentsOf: home.appendingPathComponent("apps/a/.env"), encoding: .utf8)).contains("DEBUG"))
        #expect(!(try String(contentsOf: home.appendingPathComponent("apps/a/releases/\(commit)/app.py"), encoding: .utf8)).contains("hotfix"))
        #expect(try String(contentsOf: home.appendingPathComponent("nginx/sites/b.conf"), encoding: .utf8).contains("proxy_http_version 1.1;"))
        for name in ["a", "b"] {
            #expect(try steward(["describe", "project", name]).stdout.contains("Drifted=False"), "\(name)")
        }
        let (after, afterRecords) = try check()
        #expect(after.status == 0 && afterRecords.values.allSatisfy { $0.status == "inSync" }, "\(after.stdout)\n\(after.stderr)")
    }
}
