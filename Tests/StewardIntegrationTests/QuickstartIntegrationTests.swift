import Foundation
import StewardTestSupport
import Testing

/// The walking skeleton end to end: a real config repo, the real binary, real ansible-playbook on localhost.
@Suite(.serialized)
struct QuickstartIntegrationTests {
    @Test func deploysOnceThenRunsNothingThenRedeploysOnEveryKindOfChange() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }

        let first = try fixture.reconcile()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("1 ansible-playbook runs"))
        #expect(first.stderr.contains("action=ansible_task"))
        #expect(first.stderr.contains("Start the app under the supervisor"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("hello from the quickstart app") == true)

        let second = try fixture.reconcile()
        #expect(second.status == 0)
        #expect(second.stdout.contains("0 actions, 0 ansible-playbook runs"))
        #expect(second.stderr.contains("reconcile finished: nothing changed, 0 ansible-playbook runs"))

        // A manifest change, committed, deploys again.
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=bonjour"))
        try await fixture.config.commit("greeting")
        let plan = try StewardBinary.run(["plan"] + fixture.configArguments)
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("Project/hello: deploy quickstart/hello@"))
        let third = try fixture.reconcile()
        #expect(third.status == 0)
        #expect(third.stdout.contains("1 ansible-playbook runs"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("bonjour") == true)

        // A new commit of the app repo deploys again, and says why.
        let app = try String(contentsOfFile: fixture.app.workTree + "/app.py", encoding: .utf8)
        try fixture.app.write("app.py", app.replacingOccurrences(of: "VERSION = \"1\"", with: "VERSION = \"2\""))
        let commit = try await fixture.app.commit("version 2")
        let fourth = try fixture.reconcile()
        #expect(fourth.status == 0)
        #expect(fourth.stderr.contains("(commit "))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("\"version\": \"2\"") == true)

        let projects = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        let records = try JSONSerialization.jsonObject(with: Data(projects.stdout.utf8)) as? [[String: Any]]
        #expect(records?.first?["lastDeployCommit"] as? String == commit)
        #expect(records?.first?["phase"] as? String == "active")
        let describe = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        #expect(describe.stdout.contains("Phase:         active"))
        #expect(describe.stdout.contains("DeploySucceeded"))
        #expect(describe.stdout.contains("#3 deploy succeeded"))

        // Removing the manifest keeps everything (prune is off)...
        try fixture.config.remove("manifests/hello.yaml")
        try await fixture.config.commit("remove hello")
        let orphaned = try fixture.reconcile()
        #expect(orphaned.status == 0)
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health") != nil)
        let listed = try StewardBinary.run(["get", "projects"] + fixture.stateArguments)
        #expect(listed.stdout.contains("active (orphaned)"))
        // ...until prune is turned on: then the app is removed and the record deleted.
        let settings = try String(contentsOfFile: fixture.config.workTree + "/steward.yaml", encoding: .utf8)
        try fixture.config.write("steward.yaml", settings.replacingOccurrences(of: "prune: false", with: "prune: true"))
        try await fixture.config.commit("prune")
        let pruned = try fixture.reconcile()
        #expect(pruned.status == 0, "\(pruned.stdout)\n\(pruned.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health") == nil)
        let after = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        #expect(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]" || after.stdout.contains("[]"))
    }

    @Test func aBrokenManifestIsReportedWhileTheOthersDeploy() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        try fixture.config.write("manifests/broken.yaml", "apiVersion: steward/v1\nkind: Project\nmetadata: {name: Broken}\nspec: {repo: a/b}\n")
        try await fixture.config.commit("add a broken manifest")
        let result = try fixture.reconcile()
        #expect(result.status == 1)
        #expect(result.stderr.contains("file=manifests/broken.yaml:3:"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        let listed = try StewardBinary.run(["get", "projects"] + fixture.stateArguments)
        #expect(listed.stdout.contains("hello") && listed.stdout.contains("active"))
    }

    @Test func waitingProjectsExitTwoAndDryRunChangesNothing() async throws {
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest + "    TOKEN=${secret:TELEGRAM_TOKEN}\n")
        try fixture.config.write("manifests/later.yaml", manifest
            .replacingOccurrences(of: "name: hello", with: "name: later")
            .replacingOccurrences(of: "repo: quickstart/hello", with: "repo: quickstart/not-yet"))
        try await fixture.config.commit("a project with a secret and one without a repo")

        let dry = try fixture.reconcile(["--dry-run"])
        #expect(dry.status == 2)
        #expect(dry.stdout.contains("Project/later: repo quickstart/not-yet does not exist yet: provisioning"))
        let afterDryRun = try StewardBinary.run(["get", "projects"] + fixture.stateArguments)
        #expect(!afterDryRun.stdout.contains("hello"), "a dry run registered something: \(afterDryRun.stdout)")

        let result = try fixture.reconcile()
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("pending: Project/hello: setup_required: missing secrets: TELEGRAM_TOKEN"))
        #expect(result.stdout.contains("pending: Project/later: provisioning"))
        #expect(result.stdout.contains("0 ansible-playbook runs"))
    }

    @Test func aControllerKilledDuringADeployResumesWithoutLosingState() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let process = try StewardBinary.start(["reconcile", "--once"] + fixture.configArguments)
        // Kill -9 once the playbook is underway (its first directory exists).
        let appDirectory = fixture.state.url.appendingPathComponent("apps/hello").path
        try await waitUntil("the playbook to create \(appDirectory)") { FileManager.default.fileExists(atPath: appDirectory) }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        // Its ansible-playbook (and everything it started: they all work in the run's directory) dies with it:
        // an orphan would go on deploying beside the next pass's deploy.
        let runs = fixture.state.url.appendingPathComponent("runs").path
        try await waitUntil("the killed controller's ansible-playbook to die with it", every: .milliseconds(100),
            detail: { "still running: \(ProcessTable.processes(workingIn: runs))" }) { ProcessTable.processes(workingIn: runs).isEmpty }

        let resumed = try fixture.reconcile()
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stderr.contains("run interrupted by a crash"))
        await #expect(httpGet("http://127.0.0.1:\(fixture.port)/health")?.contains("ok") == true)
        let describe = try StewardBinary.run(["describe", "project", "hello"] + fixture.stateArguments)
        #expect(describe.stdout.contains("#1 deploy interrupted"))
        #expect(describe.stdout.contains("#2 deploy succeeded"))
        // The port allocated before the crash is the one in use after it.
        #expect(describe.stdout.contains("Server:        local:\(fixture.port)"))
        let again = try fixture.reconcile()
        #expect(again.stdout.contains("0 ansible-playbook runs"))
    }

    /// A recreate deploy that fails stops the old version; reverting the manifest must redeploy it, never call
    /// it active because its inputs match the last success again ("last deploy matches" while nothing listens).
    @Test func aRevertAfterAFailedDeployRedeploysAndIsNotTakenForConverged() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/health"
        #expect(try fixture.reconcile().status == 0)
        await #expect(httpGet(url)?.contains("ok") == true)

        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(
            of: "    healthPath: /health", with: "    healthPath: /health\n    command: \"exit 3\""))
        try await fixture.config.commit("a start command that fails")
        let failed = try fixture.reconcile()
        #expect(failed.status == 1, "\(failed.stdout)\n\(failed.stderr)")
        await #expect(httpGet(url) == nil, "the recreate deploy stopped the old version")

        try fixture.config.write("manifests/hello.yaml", manifest)
        try await fixture.config.commit("revert")
        let reverted = try fixture.reconcile()
        #expect(reverted.status == 0, "\(reverted.stdout)\n\(reverted.stderr)")
        #expect(reverted.stdout.contains("1 ansible-playbook runs"), "the revert is deployed: \(reverted.stdout)")
        await #expect(httpGet(url)?.contains("ok") == true)
    }

    /// `get`, `describe`, `history` and `plan` read a state dir nobody can write (a read-only mount): SQLite opens the
    /// database immutable, and `plan` uses the config commit fetched last; commands that write say why they cannot
    /// (issue 12 item 10).
    @Test func readingCommandsWorkOnAReadOnlyStateDir() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        #expect(try fixture.reconcile().status == 0)
        let state = fixture.state.path

        let get = try StewardBinary.runOnReadOnly(state, ["get", "projects"] + fixture.stateArguments)
        #expect(get.status == 0, "\(get.stdout)\n\(get.stderr)")
        #expect(get.stdout.contains("hello") && get.stdout.contains("active"))
        let describe = try StewardBinary.runOnReadOnly(state, ["describe", "project", "hello"] + fixture.stateArguments)
        #expect(describe.status == 0, "\(describe.stderr)")
        #expect(describe.stdout.contains("Phase:         active"))
        let history = try StewardBinary.runOnReadOnly(state, ["history", "hello"] + fixture.stateArguments)
        // The quickstart's app has no agent thread: the answer comes from the database, not an error opening it.
        #expect(history.stderr.contains("has no agent thread"), "\(history.stderr)")
        let plan = try StewardBinary.runOnReadOnly(state, ["plan"] + fixture.configArguments)
        #expect(plan.status == 0, "\(plan.stdout)\n\(plan.stderr)")
        #expect(plan.stdout.contains("No changes"))
        #expect(plan.stderr.contains("is read-only: planning against the config commit fetched into it last"))

        let reconcile = try StewardBinary.runOnReadOnly(state, ["reconcile", "--once"] + fixture.configArguments)
        #expect(reconcile.status == 1)
        #expect(reconcile.stderr.contains("cannot be written (a read-only mount, or no permission), and this command writes"))
        let secret = try StewardBinary.runOnReadOnly(
            state, ["secret", "set", "hello", "TOKEN"] + fixture.stateArguments, input: "a value")
        #expect(secret.status == 1)
        #expect(secret.stderr.contains("cannot be written"), "\(secret.stderr)")
        // The mount ended with its namespace: the state dir is writable again here.
        #expect(try fixture.reconcile().status == 0)
    }

    /// A state dir whose database is gone (moved aside after corruption, a new CI cache) next to a local server that
    /// runs exactly this deploy: its marker is read before any deploy and adopted, no playbook (issue 12 item 9).
    @Test func aLostDatabaseAdoptsTheDeployThatTheLocalServerRuns() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        let url = "http://127.0.0.1:\(fixture.port)/health"
        let first = try fixture.reconcile()
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("1 ansible-playbook runs"))
        #expect(first.stderr.components(separatedBy: "server sync finished").count - 1 == 2,
            "the new local server's facts are read once before the deploy, not again after it: \(first.stderr)")

        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: fixture.state.url.appendingPathComponent("steward.db" + suffix))
        }
        let fresh = try fixture.reconcile()
        #expect(fresh.status == 0, "\(fresh.stdout)\n\(fresh.stderr)")
        #expect(fresh.stderr.contains("but no database"), "the lost database is said: \(fresh.stderr)")
        #expect(fresh.stdout.contains("0 ansible-playbook runs"), "adopted, not deployed again: \(fresh.stdout)")
        #expect(fresh.stderr.contains("action=adopt_deploy"))
        await #expect(httpGet(url)?.contains("ok") == true)
        let again = try fixture.reconcile()
        #expect(again.status == 0)
        #expect(again.stdout.contains("0 actions, 0 ansible-playbook runs"), "\(again.stdout)")
    }
}
