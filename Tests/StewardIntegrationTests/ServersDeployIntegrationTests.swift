import Foundation
import StewardTestSupport
import Testing

/// Issue 5 end to end with the built binary on three real sshd test hosts (numbers 4–6): five projects reach
/// `active` and answer health on their servers; an unchanged pass runs no playbook; a fresh state dir adopts
/// what the servers run; an sshd outage is an error and an incident until it is back; a killed app is
/// service_down and repaired; a blue/green redeploy answers throughout and a broken version rolls back while
/// the other projects of its batch (one ansible-playbook run) deploy.
@Suite(.serialized)
struct ServersDeployIntegrationTests {
    struct ProjectJSON: Decodable {
        var name: String
        var phase: String
        var server: String?
        var port: Int?
    }

    struct IncidentJSON: Decodable {
        var kind: String
        var status: String
        var objectName: String
    }

    @Test func fiveProjectsOnThreeServersDeployHealRollBackAndAreAdoptedByAFreshStateDir() async throws {
        guard getuid() == 0 else {
            Issue.record("the test hosts need root (network namespaces, overlay mounts); run the tests as root")
            return
        }
        try await StewardBinary.requireAnsible()
        let testHosts = try await TestHostFixture(count: 3, first: 4, prefix: "steward-deployhosts")
        defer { testHosts.down() }
        let hosts = testHosts.hosts
        let address = Dictionary(uniqueKeysWithValues: zip(["th4", "th5", "th6"], hosts.map(\.address)))

        // The example app on the local forge (its state dir is per pass below, so the forge lives beside them).
        // demo/app for p1-p4, demo/shop (the same app) for the blue/green p5, so its new versions touch only it.
        let app = try await GitFixture()
        let shop = try await GitFixture()
        let forgeRoot = try TemporaryDirectory(prefix: "steward-forge")
        try FileManager.default.createDirectory(at: forgeRoot.url.appendingPathComponent("demo"), withIntermediateDirectories: true)
        for (repo, name) in [(app, "app"), (shop, "shop")] {
            try copyTree(StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/app"), into: repo.workTree)
            try await repo.commit(name)
            try FileManager.default.createSymbolicLink(
                atPath: forgeRoot.url.appendingPathComponent("demo/\(name).git").path, withDestinationPath: repo.bare)
        }

        let config = try await GitFixture()
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: local, path: \(forgeRoot.path)}
            ssh: {privateKeyFile: \(hosts[0].privateKeyFile), knownHostsFile: known_hosts}
            intervals: {serverSync: 1h, healthCheck: 1h}
            thresholds: {unreachableAfter: 2, serviceDownAfter: 2}
            concurrency: 5
            """)
        var servers = ""
        for name in ["th4", "th5", "th6"] {
            servers += """
                ---
                apiVersion: steward/v1
                kind: Server
                metadata: {name: \(name)}
                spec: {address: \(address[name]!), user: deploy, bootstrapUser: root, capacity: {memoryMB: 1024, ports: "25000-25099"}}

                """
        }
        try config.write("manifests/servers.yaml", servers)
        // p4 names no server: placement puts it on a ready server with room.
        let placement: [String: String?] = ["p1": "th4", "p2": "th4", "p3": "th5", "p4": nil, "p5": "th6"]
        for (name, server) in placement {
            try config.write("manifests/\(name).yaml", """
                apiVersion: steward/v1
                kind: Project
                metadata: {name: \(name)}
                spec:
                  repo: demo/\(name == "p5" ? "shop" : "app")
                  \(server.map { "server: \($0)" } ?? "resources: {memoryMB: 64}")
                  deploy: {strategy: \(name == "p5" ? "blueGreen" : "recreate"), healthPath: /health}
                  env: |
                    GREETING=hi-\(name)
                """)
        }
        try await config.commit("three servers, five projects")

        let state = try TemporaryDirectory(prefix: "steward-state")
        func reconcile(_ stateDir: TemporaryDirectory = state) throws -> StewardBinary.Result {
            try StewardBinary.run(["reconcile", "--once", "--config-repo", config.bare, "--state-dir", stateDir.path])
        }
        func steward(_ arguments: [String], _ stateDir: TemporaryDirectory = state) throws -> StewardBinary.Result {
            try StewardBinary.run(arguments + ["--config-repo", config.bare, "--state-dir", stateDir.path])
        }
        func projects(_ stateDir: TemporaryDirectory = state) throws -> [String: ProjectJSON] {
            let list = try JSONDecoder().decode(
                [ProjectJSON].self, from: Data(try steward(["get", "projects", "-o", "json"], stateDir).stdout.utf8))
            // The forge's repo itself (demo/app, no manifest of that name) is listed as `discovered`: not a project here.
            return Dictionary(uniqueKeysWithValues: list.filter { $0.phase != "discovered" }.map { ($0.name, $0) })
        }
        func openIncidents() throws -> [IncidentJSON] {
            try JSONDecoder().decode([IncidentJSON].self, from: Data(try steward(["get", "incidents", "-o", "json"]).stdout.utf8))
                .filter { $0.status == "detected" || $0.status == "recovering" }
        }
        func url(_ project: ProjectJSON, _ path: String = "/health") -> String {
            "http://\(address[project.server ?? ""] ?? "?"):\(project.port ?? 0)\(path)"
        }

        // Pass 1 registers and provisions the servers (their projects wait); pass 2 deploys all five at once.
        let first = try reconcile()
        #expect(first.status == 2 || first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let second = try reconcile()
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        // One ansible-playbook process for the five (a batch, concurrency 5), five run records.
        #expect(second.stdout.contains(" 1 ansible-playbook runs"), "\(second.stdout)")
        var deployed = try projects()
        #expect(deployed.count == 5)
        for (name, project) in deployed.sorted(by: { $0.key < $1.key }) {
            #expect(project.phase == "active", "\(name): \(second.stderr)")
            await #expect(httpGet(url(project))?.contains("ok") == true, "\(name) at \(url(project))")
            await #expect(httpGet(url(project, "/"))?.contains("hi-\(name)") == true)
        }
        #expect(deployed["p1"]?.server == "th4" && deployed["p3"]?.server == "th5" && deployed["p5"]?.server == "th6")
        #expect(["th4", "th5", "th6"].contains(deployed["p4"]?.server ?? "none"))

        // Nothing changed: no playbook at all.
        let idle = try reconcile()
        #expect(idle.status == 0)
        #expect(idle.stderr.contains("reconcile finished: nothing changed, 0 ansible-playbook runs"), "\(idle.stderr)")

        // A fresh state dir (a CI job) re-observes the servers and adopts what runs there: no deploy.
        let fresh = try TemporaryDirectory(prefix: "steward-fresh-state")
        _ = try reconcile(fresh)
        let adopted = try reconcile(fresh)
        #expect(adopted.status == 0, "\(adopted.stdout)\n\(adopted.stderr)")
        #expect(adopted.stdout.contains(" 0 ansible-playbook runs"), "\(adopted.stdout)")
        #expect(adopted.stderr.contains("adopt_deploy"))
        let freshProjects = try projects(fresh)
        for (name, project) in deployed {
            #expect(freshProjects[name]?.phase == "active" && freshProjects[name]?.port == project.port, "\(name)")
        }

        // th5's sshd stops: error and one server_unreachable after 2 checks; back: ready, resolved.
        try await testHosts.sshd(5, "stop")
        for _ in 1...2 { _ = try steward(["sync", "servers", "--once"]) }
        #expect(try openIncidents().contains { $0.kind == "server_unreachable" && $0.objectName == "th5" })
        try await testHosts.sshd(5, "start")
        let back = try steward(["sync", "servers", "--once"])
        #expect(back.status == 0, "\(back.stdout)\n\(back.stderr)")
        #expect(try !openIncidents().contains { $0.kind == "server_unreachable" })

        // p1's app is killed on th4: service_down after 2 checks; the next pass repairs it.
        let p1 = try #require(deployed["p1"])
        try await run(["ssh", "-i", hosts[0].privateKeyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                 "-o", "UserKnownHostsFile=\(state.path)/known_hosts", "deploy@\(address["th4"]!)",
                 "python3 ~/.steward/apps/p1/steward_supervise.py stop --pid-file ~/.steward/apps/p1/supervisor.pid"])
        for _ in 1...2 { _ = try steward(["sync", "health", "--once"]) }
        #expect(try openIncidents().contains { $0.kind == "service_down" && $0.objectName == "p1" })
        let repaired = try reconcile()
        #expect(repaired.status == 0, "\(repaired.stdout)\n\(repaired.stderr)")
        await #expect(httpGet(url(p1))?.contains("ok") == true)
        #expect(try !openIncidents().contains { $0.kind == "service_down" })

        // Blue/green: a new version goes live while the public port answers every poll.
        let p5 = try #require(deployed["p5"])
        let source = try String(contentsOfFile: shop.workTree + "/app.py", encoding: .utf8)
        try shop.write("app.py", source.replacingOccurrences(of: "VERSION = \"1\"", with: "VERSION = \"2\""))
        try await shop.commit("version 2")
        let poller = HealthPoller(url: url(p5))
        poller.start()
        let switched = try reconcile()
        let polls = poller.stop()
        #expect(switched.status == 0, "\(switched.stdout)\n\(switched.stderr)")
        #expect(polls.total > 20, "polled \(polls.total) times")
        #expect(polls.failed == 0, "\(polls.failed) of \(polls.total) polls failed during the switch: \(polls.lastError)")
        await #expect(httpGet(url(p5, "/"))?.contains("\"version\": \"2\"") == true)

        // In one pass, a broken version of p5 (health 500) and a new commit of demo/app for p1-p4: one
        // ansible-playbook run deploys all five, each recorded on its own. p5 is rolled back (v2 keeps serving,
        // the pass fails, an incident says so); the four others go live all the same.
        let v2 = try String(contentsOfFile: shop.workTree + "/app.py", encoding: .utf8)
        try shop.write("app.py", v2.replacingOccurrences(of: "VERSION = \"2\"", with: "VERSION = \"3\"")
            .replacingOccurrences(of: "self.reply(200, {\"status\": \"ok\"})", with: "self.reply(500, {\"status\": \"broken\"})"))
        try await shop.commit("broken version 3")
        try app.write("NOTES.md", "a new commit\n")
        let appCommit = try await app.commit("app: a new commit")
        let broken = try reconcile()
        #expect(broken.status == 1, "\(broken.stdout)\n\(broken.stderr)")
        #expect(broken.stdout.contains(" 1 ansible-playbook runs"), "\(broken.stdout)")
        await #expect(httpGet(url(p5, "/"))?.contains("\"version\": \"2\"") == true)
        #expect(try projects()["p5"]?.phase == "error")
        #expect(try openIncidents().contains { $0.kind == "deploy_failed" && $0.objectName == "p5" })
        #expect(try steward(["describe", "project", "p5"]).stdout.contains(" deploy failed commit "))
        for name in ["p1", "p2", "p3", "p4"] {
            let described = try steward(["describe", "project", name]).stdout
            #expect(described.contains(" deploy succeeded commit \(appCommit.prefix(12))"), "\(name): \(described)")
            #expect(try projects()[name]?.phase == "active", "\(name)")
        }
        #expect(try !openIncidents().contains { $0.kind == "deploy_failed" && $0.objectName != "p5" })
        deployed = try projects()
        #expect(deployed.filter { $0.value.phase == "active" }.count == 4)
    }
}

/// GETs a URL over and over from a background thread and counts what did not answer 200.
final class HealthPoller: @unchecked Sendable {
    struct Counts {
        var total = 0
        var failed = 0
        var lastError = ""
    }

    private let url: String
    private let lock = NSLock()
    private var counts = Counts()
    private var running = true
    private var thread: Thread?

    init(url: String) {
        self.url = url
    }

    func start() {
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let answer = try? runBlocking(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url])
                lock.withLock {
                    counts.total += 1
                    if answer?.trimmingCharacters(in: .whitespacesAndNewlines) != "200" {
                        counts.failed += 1
                        counts.lastError = answer ?? "no answer"
                    }
                }
                usleep(50_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    func stop() -> Counts {
        lock.withLock { running = false }
        while thread?.isFinished == false { usleep(10_000) }
        return lock.withLock { counts }
    }
}
