import Foundation
import StewardTestSupport
import Testing

/// The verbs Flux and Argo CD users reach for, on the quickstart with real git repos and ansible-playbook:
/// `suspend`/`resume` of a project and of a server (one-shot passes and a running controller), `wait` for CI after a
/// push, and `events`.
@Suite(.serialized)
struct GitOpsVerbsIntegrationTests {
    private func steward(_ arguments: [String], _ fixture: QuickstartFixture) throws -> StewardBinary.Result {
        try StewardBinary.run(arguments + fixture.stateArguments)
    }

    private func greet(_ greeting: String, _ fixture: QuickstartFixture) async throws -> String {
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        let replaced = manifest.replacingOccurrences(of: #"GREETING=\w+"#, with: "GREETING=\(greeting)", options: .regularExpression)
        try fixture.config.write("manifests/hello.yaml", replaced)
        return try await fixture.config.commit("greeting \(greeting)")
    }

    @Test func aSuspendedProjectOrServerIsNeverDeployedUntilResumedAndWaitAndEventsTellWhatHappened() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        #expect(try fixture.reconcile().status == 0)
        let appCommit = try await run(["git", "-C", fixture.app.bare, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)

        // wait, for CI: met at once for what is deployed; a commit never deployed times out with 2.
        let ready = try steward(["wait", "project/hello", "--for", "deployed=\(appCommit.prefix(10))", "--timeout", "20s",
                                 "--config-repo", fixture.config.bare], fixture)
        #expect(ready.status == 0, "\(ready.stdout)\(ready.stderr)")
        #expect(ready.stdout.contains("project/hello: deployed \(appCommit.prefix(12)), ready"), "\(ready.stdout)")
        let never = try steward(["wait", "project/hello", "--for", "deployed=deadbeef00", "--timeout", "2s"], fixture)
        #expect(never.status == 2 && never.stdout.contains("timed out after 2s"), "\(never.stdout)")
        #expect(try steward(["wait", "server/local"], fixture).status != 0, "only projects")

        // Suspended: a new greeting in git is not deployed, the pass still converges, and the condition says why.
        let suspend = try steward(["suspend", "project", "hello", "--reason", "incident 42"], fixture)
        #expect(suspend.status == 0 && suspend.stdout.contains("project/hello suspended"), "\(suspend.stdout)\(suspend.stderr)")
        #expect(try steward(["suspend", "project", "hello", "--reason", "incident 42"], fixture).stdout.contains("suspended already"))
        #expect(try steward(["suspend", "project", "nope"], fixture).status == 1)
        _ = try await greet("hola", fixture)
        let held = try fixture.reconcile()
        #expect(held.status == 0, "\(held.stderr)")
        #expect(await httpGet(url)?.contains("hello from") == true, "suspended: not deployed")
        let described = try steward(["describe", "project", "hello"], fixture).stdout
        #expect(described.contains("Suspended=True Command: steward suspend: incident 42"), "\(described)")
        #expect(try steward(["get", "projects"], fixture).stdout.contains("active (suspended)"))
        let blocked = try steward(["wait", "project/hello", "--timeout", "10s", "--config-repo", fixture.config.bare], fixture)
        #expect(blocked.status == 1 && blocked.stdout.contains("suspended"), "a CI job never waits on a suspended project: \(blocked.stdout)")
        #expect(try steward(["fix", "hello", "--config-repo", fixture.config.bare], fixture).stderr.contains("is suspended"))

        let resume = try steward(["resume", "project", "hello"], fixture)
        #expect(resume.status == 0 && resume.stdout.contains("project/hello resumed"), "\(resume.stdout)\(resume.stderr)")
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains("hola from") == true, "resumed: deployed")
        #expect(!(try steward(["describe", "project", "hello"], fixture).stdout.contains("Suspended=")))

        // A suspended server holds its projects' deploys back: the pass says it waits.
        #expect(try steward(["suspend", "server", "local", "--reason", "disk swap"], fixture).status == 0)
        #expect(try steward(["get", "servers"], fixture).stdout.contains("ready (suspended)"))
        _ = try await greet("hej", fixture)
        let waiting = try fixture.reconcile()
        #expect(waiting.status == 2, "not converged while the server is suspended: \(waiting.stdout)\(waiting.stderr)")
        #expect((waiting.stdout + waiting.stderr).contains("server local is suspended"))
        #expect(await httpGet(url)?.contains("hola from") == true)
        #expect(try steward(["resume", "server", "local"], fixture).status == 0)
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains("hej from") == true)

        // events: what happened, in order, as text and as JSON lines.
        let events = try steward(["events", "--project", "hello"], fixture)
        #expect(events.status == 0)
        let lines = events.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("TIME") == true)
        let reasons = lines.dropFirst().map { $0.split(separator: " ", omittingEmptySubsequences: true) }.map { $0.count > 3 ? String($0[3]) : "" }
        let suspended = try #require(reasons.firstIndex(of: "Suspended"))
        let resumed = try #require(reasons.firstIndex(of: "Resumed"))
        #expect(suspended < resumed && reasons[resumed...].contains("DeploySucceeded"), "\(events.stdout)")
        let json = try steward(["events", "-o", "json", "--since", "1h"], fixture).stdout.split(separator: "\n")
        let objects = json.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == json.count && objects.contains { $0["reason"] as? String == "Suspended" && $0["kind"] as? String == "Server" })
        #expect(try steward(["events", "--since", "soon"], fixture).status != 0)
    }

    @Test func aRunningControllerStopsActingOnASuspendedProjectAndCatchesUpOnResume() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        try await controller.waitFor("the first deploy") { await httpGet(url)?.contains("hello from") == true }

        // `events --watch` beside it prints what is recorded from now on.
        let watched = fixture.state.url.appendingPathComponent("events-watch.txt")
        FileManager.default.createFile(atPath: watched.path, contents: nil)
        let watcher = try StewardBinary.start(["events", "--watch", "--project", "hello"] + fixture.stateArguments,
            output: try FileHandle(forWritingTo: watched))
        defer { if watcher.isRunning { kill(watcher.processIdentifier, SIGKILL) } }

        #expect(try steward(["suspend", "project", "hello"], fixture).status == 0)
        let commit = try await greet("hola", fixture)
        try await controller.waitFor("the controller to load the new commit") { controller.text.contains("config \(commit.prefix(12))") }
        // A few polls later the app still answers with the old greeting.
        try await Task.sleep(for: .seconds(4))
        #expect(await httpGet(url)?.contains("hello from") == true, "\(controller.text)")
        #expect(try steward(["resume", "project", "hello"], fixture).status == 0)
        try await controller.waitFor("the deploy after resume") { await httpGet(url)?.contains("hola from") == true }
        let wait = try steward(["wait", "project/hello", "--timeout", "30s", "--config-repo", fixture.config.bare], fixture)
        #expect(wait.status == 0, "\(wait.stdout)\(wait.stderr)")
        try await controller.waitFor("events --watch to print the suspension and the deploy") {
            let text = (try? String(contentsOf: watched, encoding: .utf8)) ?? ""
            return text.contains("Suspended") && text.contains("Resumed") && text.contains("DeploySucceeded")
        }
    }

    @Test func dependsOnDeploysInOrderInOnePassAndACycleIsAValidateErrorWithItsPlace() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let second = try fixture.writeEdgeServer(then: """
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: greeter}
            spec:
              repo: quickstart/hello
              server: edge
              dependsOn: [hello]
              deploy: {playbook: deploy_project.yml, healthPath: /health}
            """)
        try await fixture.config.commit("greeter after hello")
        let pass = try fixture.reconcile()
        #expect(pass.status == 0, "both deployed in one pass: \(pass.stdout)\(pass.stderr)")
        #expect(await httpGet("http://127.0.0.1:\(second)/health") != nil)
        let runs = try JSONSerialization.jsonObject(with: Data(try steward(["get", "projects", "-o", "json"], fixture).stdout.utf8))
            as? [[String: Any]] ?? []
        let deployedAt = Dictionary(uniqueKeysWithValues: runs.compactMap { project -> (String, String)? in
            guard let name = project["name"] as? String, let at = project["lastDeployedAt"] as? String else { return nil }
            return (name, at)
        })
        #expect(deployedAt["hello"]! < deployedAt["greeter"]!, "hello first: \(deployedAt)")
        let events = try steward(["events", "--project", "greeter"], fixture).stdout
        #expect(events.contains("waiting for hello (spec.dependsOn)"), "it said why it waited: \(events)")

        // A cycle: validate names each entry, and the other projects still reconcile.
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "  server: local\n", with: "  server: local\n  dependsOn: [greeter]\n"))
        try await fixture.config.commit("a cycle")
        let validate = try StewardBinary.run(["validate", fixture.config.workTree])
        #expect(validate.status == 1)
        #expect(validate.stdout.contains("manifests/edge.yaml:12:15: error: spec.dependsOn makes a cycle: greeter -> hello -> greeter"),
            "\(validate.stdout)")
        #expect(validate.stdout.contains("manifests/hello.yaml:"), "\(validate.stdout)")
        let broken = try fixture.reconcile()
        #expect(broken.status == 1 && (broken.stdout + broken.stderr).contains("makes a cycle"), "\(broken.stdout)\(broken.stderr)")
        #expect(!(try steward(["get", "projects"], fixture).stdout.contains("orphaned")), "nothing is pruned or orphaned on the error")
    }

    @Test func rollbackPinsTheRefToAnEarlierDeployedCommitInAConfigRepoCommitAndTheNextPassDeploysIt() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        #expect(try fixture.reconcile().status == 0)
        let first = try await run(["git", "-C", fixture.app.bare, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try steward(["rollback", "hello", "--config-repo", fixture.config.bare], fixture).status == 1, "no earlier deploy yet")

        // Version 2 of the app is pushed and deployed.
        let app = try String(contentsOfFile: fixture.app.workTree + "/app.py", encoding: .utf8)
        try fixture.app.write("app.py", app.replacingOccurrences(of: #"VERSION = "1""#, with: #"VERSION = "2""#))
        try await fixture.app.commit("version 2")
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains(#""version": "2""#) == true)

        // Back to version 1, through a commit to the config repo.
        let unknown = try steward(["rollback", "hello", "--to", "deadbeef", "--config-repo", fixture.config.bare], fixture)
        #expect(unknown.status == 1 && unknown.stderr.contains("never deployed deadbeef"), "\(unknown.stderr)")
        let rollback = try steward(["rollback", "hello", "--config-repo", fixture.config.bare], fixture)
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        #expect(rollback.stdout.contains("spec.ref main -> \(first.prefix(12))"), "\(rollback.stdout)")
        let log = try await run(["git", "-C", fixture.config.bare, "log", "-1", "--format=%s", "main"])
        #expect(log.contains("steward rollback: pin hello to \(first.prefix(12))"))
        let manifest = try await run(["git", "-C", fixture.config.bare, "show", "main:manifests/hello.yaml"])
        #expect(manifest.contains("ref: \(first)  # steward rollback: was main"), "\(manifest)")
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains(#""version": "1""#) == true, "the pinned commit runs")
        let wait = try steward(["wait", "project/hello", "--for", "deployed=\(first.prefix(8))", "--timeout", "10s"], fixture)
        #expect(wait.status == 0, "\(wait.stdout)")
    }

    @Test func rollbackWithoutACommitPinsInTheStateDeploysAtOnceAndEndsWithTheManifestOrUnpin() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/"
        #expect(try fixture.reconcile().status == 0)
        let first = try await run(["git", "-C", fixture.app.bare, "rev-parse", "HEAD"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let app = try String(contentsOfFile: fixture.app.workTree + "/app.py", encoding: .utf8)
        try fixture.app.write("app.py", app.replacingOccurrences(of: #"VERSION = "1""#, with: #"VERSION = "2""#))
        try await fixture.app.commit("version 2")
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains(#""version": "2""#) == true)
        let configHead = try await run(["git", "-C", fixture.config.bare, "rev-parse", "main"])

        // The emergency: version 1 at once, nothing committed to git.
        let pinned = try steward(["rollback", "hello", "--no-commit", "--config-repo", fixture.config.bare], fixture)
        #expect(pinned.status == 0, "\(pinned.stdout)\(pinned.stderr)")
        #expect(pinned.stdout.contains("pinned to \(first.prefix(12))"), "\(pinned.stdout)")
        #expect(await httpGet(url)?.contains(#""version": "1""#) == true, "deployed at once")
        #expect(try await run(["git", "-C", fixture.config.bare, "rev-parse", "main"]) == configHead, "nothing went to git")
        let described = try steward(["describe", "project", "hello"], fixture).stdout
        #expect(described.contains("PINNED:        deploys \(first.prefix(12)), not what spec.ref says"), "\(described)")
        #expect(described.contains("Pinned=True RolledBack"))
        #expect(try steward(["get", "projects"], fixture).stdout.contains("active (pinned)"))
        // Later passes keep it there, though git says version 2.
        #expect(try fixture.reconcile().status == 0)
        #expect(await httpGet(url)?.contains(#""version": "1""#) == true)

        // --unpin follows git again.
        let unpinned = try steward(["rollback", "hello", "--unpin", "--config-repo", fixture.config.bare], fixture)
        #expect(unpinned.status == 0, "\(unpinned.stdout)\(unpinned.stderr)")
        #expect(await httpGet(url)?.contains(#""version": "2""#) == true)
        #expect(!(try steward(["describe", "project", "hello"], fixture).stdout.contains("Pinned=")))
        #expect(try steward(["rollback", "hello", "--unpin", "--config-repo", fixture.config.bare], fixture).status == 1, "not pinned")

        // Pinned again; a change to the manifest ends the pin.
        #expect(try steward(["rollback", "hello", "--no-commit", "--config-repo", fixture.config.bare], fixture).status == 0)
        #expect(await httpGet(url)?.contains(#""version": "1""#) == true)
        _ = try await greet("servus", fixture)
        #expect(try fixture.reconcile().status == 0)
        let answer = await httpGet(url) ?? ""
        #expect(answer.contains(#""version": "2""#) && answer.contains("servus"), "\(answer)")
        #expect(!(try steward(["describe", "project", "hello"], fixture).stdout.contains("Pinned=")))
        #expect(try steward(["events", "--project", "hello"], fixture).stdout.contains("Pinned"))
    }

    @Test func diffShowsTheFieldsAndTheCommitsBetweenAndExitsOneOnChangesZeroWithoutAndTwoOnErrors() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        #expect(try fixture.reconcile().status == 0)
        let config = ["--config-repo", fixture.config.bare]
        let none = try steward(["diff"] + config, fixture)
        #expect(none.status == 0 && none.stdout.contains("No changes"), "\(none.stdout)\(none.stderr)")

        let app = try String(contentsOfFile: fixture.app.workTree + "/app.py", encoding: .utf8)
        try fixture.app.write("app.py", app.replacingOccurrences(of: #"VERSION = "1""#, with: #"VERSION = "2""#))
        try await fixture.app.commit("version 2")
        try fixture.app.write("README.md", "more\n")
        try await fixture.app.commit("a readme")
        _ = try await greet("hola", fixture)
        let changed = try steward(["diff"] + config, fixture)
        #expect(changed.status == 1, "\(changed.stdout)\(changed.stderr)")
        for line in ["Project/hello (manifests/hello.yaml)", "  ~ spec.env.GREETING: hello -> hola", " a readme", " version 2"] {
            #expect(changed.stdout.contains(line), "\(line) in \(changed.stdout)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(try steward(["diff", "-o", "json"] + config, fixture).stdout.utf8))
            as? [[String: Any]]
        let deploy = try #require(json?.first?["deploy"] as? [String: Any])
        #expect((deploy["commits"] as? [[String: Any]])?.map { $0["subject"] as? String } == ["a readme", "version 2"])
        let plan = try JSONSerialization.jsonObject(with: Data(try steward(["plan", "-o", "json"] + config, fixture).stdout.utf8))
            as? [[String: Any]]
        #expect(plan?.contains { $0["action"] as? String == "deploy" && $0["object"] as? String == "Project/hello" } == true)
        #expect(try steward(["diff", "--config-repo", fixture.state.path + "/nope"], fixture).status == 2, "errors are 2, as flux diff")
        #expect(try fixture.reconcile().status == 0)
        #expect(try steward(["diff"] + config, fixture).status == 0)

        // No project field changed, yet a deploy is due: its server's spec did. The recorded inputs say which one.
        let server = try String(contentsOfFile: fixture.config.workTree + "/manifests/local.yaml", encoding: .utf8)
        try fixture.config.write("manifests/local.yaml", server.replacingOccurrences(of: "memoryMB: 512", with: "memoryMB: 1024"))
        _ = try await fixture.config.commit("a bigger local server")
        let inputs = try steward(["diff", "--project", "hello"] + config, fixture)
        #expect(inputs.status == 1, "\(inputs.stdout)\(inputs.stderr)")
        #expect(inputs.stdout.contains("    ~ server spec and deploy-relevant facts: "), "\(inputs.stdout)")
        #expect(!inputs.stdout.contains("so the playbook files, a secret's version or the server's facts did"), "\(inputs.stdout)")
    }
}
