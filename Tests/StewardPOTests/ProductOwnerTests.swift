import Foundation
import StewardGit
import StewardModel
import StewardPO
import StewardStore
import StewardTestSupport
import Testing

/// The PO with its real parts: a SQLite store, a git config repo written with libgit2, the builtin rules.
struct ProductOwnerTests {
    final class World: @unchecked Sendable {
        let config: GitFixture
        let state: TemporaryDirectory
        let store: SQLStateStore
        let clock = Clock()

        init() async throws {
            config = try await GitFixture()
            try config.write("steward.yaml", "kind: Settings\n")
            try config.write("manifests/hello.yaml", """
                # The greeting service.
                apiVersion: steward/v1
                kind: Project
                metadata:
                  name: hello
                spec:
                  repo: acme/hello
                  stage: active   # all the way

                """)
            try await config.commit("initial")
            state = try TemporaryDirectory(prefix: "steward-po")
            store = try SQLStateStore(stateDirectory: state.url)
        }

        func productOwner(configRepo: Bool = true) -> ProductOwner {
            let writer = configRepo
                ? GitConfigRepoWriter(url: config.bare, branch: "main", scratchDirectory: state.url.appendingPathComponent("tmp")) : nil
            return ProductOwner(
                classifier: BuiltinIntentClassifier(), store: store, configRepo: writer, repoOwner: .success("acme"),
                now: { [clock] in clock.now })
        }

        func show(_ path: String) async throws -> String {
            try await run(["git", "--git-dir", config.bare, "show", "main:\(path)"])
        }

        func head() async throws -> String {
            try await run(["git", "--git-dir", config.bare, "rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func register(_ name: String, phase: ProjectPhase = .provisioning, manifest: String? = nil) async throws {
            try await store.save(project: ProjectRecord(
                name: name, repo: "acme/\(name)", manifestPath: manifest ?? "manifests/\(name).yaml", phase: phase,
                spec: ProjectSpec(repo: "acme/\(name)"),
                conditions: [Condition(type: Condition.ready, status: .false, reason: "RepoNotFound",
                    message: "repo acme/\(name) does not exist on the forge yet", lastTransitionTime: clock.now)],
                updatedAt: clock.now), events: [])
        }

        func openIncident(_ kind: IncidentRecord.Kind, on name: String, objectKind: String = "Project") async throws -> IncidentRecord {
            try await store.openIncident(IncidentRecord(
                kind: kind, severity: .critical, objectKind: objectKind, objectName: name, message: "\(kind.rawValue) on \(name)",
                openedAt: clock.now), events: [])
        }
    }

    /// A settable time.
    final class Clock: @unchecked Sendable {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
    }

    @Test func newCommitsAManifestThatValidates() async throws {
        let world = try await World()
        let before = try await world.head()
        let answer = try await world.productOwner().handle("new project: a url shortener")
        #expect(answer.intent == .new(brief: "a url shortener"))
        #expect(answer.project == "url-shortener")
        #expect(answer.manifestPath == "manifests/url-shortener.yaml")
        let commit = try #require(answer.commit)
        await #expect(try world.head() == commit)
        #expect(try await run(["git", "--git-dir", world.config.bare, "rev-parse", "main^"]).hasPrefix(before))
        #expect(answer.text.contains("New project url-shortener (repo acme/url-shortener): committed manifests/url-shortener.yaml as \(commit)"))

        let text = try await world.show("manifests/url-shortener.yaml")
        let parsed = ManifestParser().parse(path: "manifests/url-shortener.yaml", data: Data(text.utf8))
        #expect(parsed.diagnostics.isEmpty)
        let project = try #require(parsed.projects.first)
        #expect(project.spec.repo == "acme/url-shortener")
        #expect(project.spec.brief == "a url shortener")
        #expect(project.spec.server == nil)
        await #expect(try world.show("manifests/hello.yaml").contains("# The greeting service."))
    }

    @Test func newRefusesANameThatIsTaken() async throws {
        let world = try await World()
        try await world.register("url-shortener")
        let head = try await world.head()
        await #expect { try await world.productOwner().handle("new project: a url shortener") } throws: {
            "\($0)".contains("a project named url-shortener already exists (phase provisioning)")
        }
        // Not in the store, but already in the config repo (committed, not reconciled yet).
        await #expect { try await world.productOwner().handle("create hello") } throws: {
            "\($0)".contains("manifests/hello.yaml already exists in the config repo")
        }
        await #expect(try world.head() == head)
    }

    @Test func newAndUpdateNeedAConfigRepo() async throws {
        let world = try await World()
        try await world.register("hello", manifest: "manifests/hello.yaml")
        for message in ["new project: a url shortener", "hello: say hi"] {
            await #expect { try await world.productOwner(configRepo: false).handle(message) } throws: {
                "\($0)".contains("pass --config-repo PATH|URL or set STEWARD_CONFIG_REPO")
            }
        }
    }

    @Test func updateAppendsAChangeRequestAndKeepsComments() async throws {
        let world = try await World()
        try await world.register("hello", manifest: "manifests/hello.yaml")
        let answer = try await world.productOwner().handle("hello: add a German greeting")
        #expect(answer.intent == .update("hello", change: "add a German greeting"))
        #expect(answer.changeID == "add-a-german-greeting")
        await #expect(answer.commit == (try world.head()))
        await #expect(try world.show("manifests/hello.yaml") == """
            # The greeting service.
            apiVersion: steward/v1
            kind: Project
            metadata:
              name: hello
            spec:
              repo: acme/hello
              stage: active   # all the way
              changes:
                - id: add-a-german-greeting
                  description: "add a German greeting"

            """)
        let second = try await world.productOwner().handle("update hello: add a German greeting")
        #expect(second.changeID == "add-a-german-greeting-2")
    }

    @Test func updateOfAnUnknownProjectIsAnError() async throws {
        let world = try await World()
        await #expect { try await world.productOwner().handle("nope: add a thing") } throws: {
            "\($0)".contains("Steward has no project named nope")
        }
    }

    @Test func statusAnswersFromTheStore() async throws {
        let world = try await World()
        try await world.register("url-shortener")
        try await world.register("hello", phase: .active)
        _ = try await world.openIncident(.serviceDown, on: "hello")

        let one = try await world.productOwner().handle("how is the url shortener doing?")
        #expect(one.projects.map(\.name) == ["url-shortener"])
        #expect(one.text.contains("url-shortener: provisioning, repo acme/url-shortener"))
        #expect(one.text.contains("Ready=False RepoNotFound: repo acme/url-shortener does not exist on the forge yet"))
        #expect(one.text.contains("incidents: none open"))

        let all = try await world.productOwner().handle("status")
        #expect(Set(all.projects.map(\.name)) == ["url-shortener", "hello"])
        #expect(all.text.contains("hello: active, repo acme/hello, 1 open incident(s)"))

        let unknown = try await world.productOwner().handle("status of nothing-here")
        #expect(unknown.projects.isEmpty)
        #expect(unknown.text.hasPrefix("Steward has no project named nothing-here."))
    }

    @Test func incidentsAreReportedOnce() async throws {
        let world = try await World()
        let first = try await world.openIncident(.repoMissing, on: "hello")
        let productOwner = world.productOwner()

        // A failed interaction shows nothing, so the incident stays unseen.
        await #expect(throws: ProductOwnerError.self) { try await productOwner.handle("gibberish words only") }

        let answer = try await productOwner.handle("status")
        #expect(answer.newIncidents.map(\.id) == [first.id])
        #expect(try await productOwner.handle("status").newIncidents.isEmpty)

        world.clock.now += 60
        let second = try await world.openIncident(.serverUnreachable, on: "vps-1", objectKind: "Server")
        #expect(try await productOwner.handle("status").newIncidents.map(\.id) == [second.id])
        #expect(try await world.store.unacknowledgedIncidents().isEmpty)
    }

    @Test func fixListsIncidentsWithTodaysRemedyAndChangesNothing() async throws {
        let world = try await World()
        try await world.register("hello", phase: .active)
        _ = try await world.openIncident(.serviceDown, on: "hello")
        _ = try await world.openIncident(.serverUnreachable, on: "vps-1", objectKind: "Server")
        let head = try await world.head()

        let answer = try await world.productOwner().handle("fix hello")
        #expect(answer.intent == .fix("hello"))
        #expect(answer.text.contains("service_down on Project hello (detected): service_down on hello"))
        #expect(answer.text.contains("`steward reconcile --once` redeploys an active project the health checker declared down"))
        #expect(!answer.text.contains("vps-1"))
        #expect(answer.text.contains("Nothing was changed: `steward fix hello` starts the Recovery agent."))
        await #expect(try world.head() == head)
        #expect(try await world.store.incidents(openOnly: true).count == 2)

        let server = try await world.productOwner().handle("vps-1 is down")
        #expect(server.text.contains("make vps-1 reachable over SSH"))
        try await world.register("url-shortener", phase: .active)
        let nothing = try await world.productOwner().handle("fix url-shortener")
        #expect(nothing.text == "No open incidents for url-shortener; nothing to fix.")
        // A name Steward does not know is an error, as `steward fix` says.
        await #expect(throws: ProductOwnerError.self) { try await world.productOwner().handle("fix nonexistent") }
    }

    @Test func fixStartsTheRecoveryAgentForTheNamedObject() async throws {
        let world = try await World()
        try await world.register("hello", phase: .active)
        _ = try await world.openIncident(.serviceDown, on: "hello")
        let asked = Asked()
        var productOwner = world.productOwner()
        productOwner.recover = { object in
            await asked.add(object)
            return ("#1 service_down on Project hello: resolved", object == "hello")
        }
        let answer = try await productOwner.handle("fix hello")
        #expect(await asked.objects == ["hello"])
        #expect(answer.text.hasPrefix("Recovered hello:\n#1 service_down on Project hello: resolved"))
        try await world.register("url-shortener", phase: .active)
        let nothing = try await productOwner.handle("fix url-shortener")
        #expect(nothing.text == "No open incidents for url-shortener; nothing to fix.")
        #expect(await asked.objects == ["hello"])
    }

    /// Which objects the PO asked the Recovery agent to fix.
    actor Asked {
        var objects: [String?] = []
        func add(_ object: String?) { objects.append(object) }
    }
}
