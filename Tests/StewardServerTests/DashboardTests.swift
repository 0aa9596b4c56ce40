import Foundation
import StewardCore
import StewardHTTP
import StewardModel
@testable import StewardServer
import StewardStore
import Testing

/// The dashboard's pages on a real socket: what each shows, that nothing from the state becomes markup, the
/// project table's pages and filters, the token and the sign-in cookie, and the journal's filters.
struct DashboardTests {
    typealias Fixture = ControllerHTTPServerTests.Fixture
    let now = Date()

    private func html(_ fixture: Fixture, _ path: String, headers: HTTPHeaders = [:]) async throws -> (status: Int, text: String, headers: HTTPHeaders) {
        let response = try await fixture.get(path, headers: headers)
        return (response.status, String(decoding: response.body, as: UTF8.self), response.headers)
    }

    /// Rows of the project table (each row's name is a row header).
    private func rows(_ text: String) -> Int { text.components(separatedBy: "<th scope=\"row\">").count - 1 }

    private func seed(_ store: SQLStateStore) async throws -> Int64 {
        let ready = Condition(type: "Ready", status: .false, reason: "DeployFailed", message: "the <health> gate failed", lastTransitionTime: now)
        try await store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", phase: .active, generation: 2,
            observedGeneration: 2, conditions: [ready], server: "local", port: 18000, lastDeployCommit: "c1c1c1c1c1c1c1c1",
            lastDeployedAt: now, updatedAt: now),
            events: [EventRecord(time: now, objectKind: "Project", objectName: "shop", type: .warning, reason: "DeployFailed",
                message: "<script>alert(1)</script>")])
        try await store.setAgentStatus(project: "shop", engineering: .blocked, zavhoz: nil)
        try await store.save(server: ServerRecord(name: "local", status: .ready, spec: ServerSpec(address: "127.0.0.1", connection: .local,
            capacity: .init(ports: PortRange(lower: 18000, upper: 18009))),
            updatedAt: now, lastSeenAt: now), events: [])
        _ = try await store.allocatePort(project: "shop", server: "local", range: 18000...18009)
        let runID = try await store.beginRun(RunRecord(kind: "deploy", project: "shop", playbook: "deploy_project.yml",
            inputHash: "h", commit: "c1c1c1c1c1c1", startedAt: now.addingTimeInterval(-3)))
        try await store.appendTask(runID: runID, TaskEvent(host: "local", task: "Check out the commit", status: .changed, durationMs: 400))
        try await store.appendTask(runID: runID, TaskEvent(host: "local", task: "Wait for health", status: .failed, durationMs: 2000,
            message: "GET /health answered 500"))
        try await store.finishRun(RunRecord(id: runID, kind: "deploy", project: "shop", playbook: "deploy_project.yml",
            inputHash: "h", commit: "c1c1c1c1c1c1", status: .failed, failedTask: "Wait for health", failedHost: "local",
            startedAt: now.addingTimeInterval(-3), finishedAt: now))
        _ = try await store.openIncident(IncidentRecord(kind: .deployFailed, severity: .warning, objectKind: "Project",
            objectName: "shop", message: "deploy of c1c1c1c1c1c1 failed", openedAt: now), events: [])
        try await store.appendJournal([
            JournalEntry(time: now, level: .info, message: "Check out the commit <b>", project: "shop", action: "ansible_task"),
            JournalEntry(time: now, level: .warning, message: "server slow", server: "local"),
        ])
        return runID
    }

    @Test func pagesShowTheStateAndNothingInItBecomesMarkup() async throws {
        let fixture = try Fixture()
        let runID = try await seed(fixture.store)
        try await fixture.start(agentThreads: { project, generation in
            project == "shop" && generation == 2
                ? AgentThreadSummary(thread: "project/shop/g2", status: "interrupted at engineering", question: "Keep <Postgres>?",
                    step: 7, outcome: "")
                : nil
        })
        try await fixture.runController()

        let overview = try await html(fixture, "")
        #expect(overview.status == 200)
        #expect(overview.headers["Content-Type"] == "text/html; charset=utf-8")
        let policy = try #require(overview.headers["Content-Security-Policy"])
        #expect(policy.contains("script-src 'self'") && !policy.contains("unsafe"), "no inline script or style is allowed")
        #expect(overview.text.contains("Waiting for a person") && overview.text.contains("href=\"/projects/shop\""))
        #expect(overview.text.contains("deploy of c1c1c1c1c1c1 failed"), "open incidents")
        #expect(overview.text.contains("project/<a href=\"/projects/shop\">shop</a>"), "the controller's last reconciles")

        let project = try await html(fixture, "projects/shop")
        #expect(project.status == 200)
        for expected in [
            "Keep &lt;Postgres&gt;?", "steward answer shop &quot;…&quot;", "data-copy=\"answer-command\"", "DeployFailed",
            "the &lt;health&gt; gate failed", "&lt;script&gt;alert(1)&lt;/script&gt;", "id=\"run-\(runID)\"", "GET /health answered 500",
            "Check out the commit &lt;b&gt;", "data-follow=\"/api/v1/journal?follow=true&amp;project=shop&amp;since=",
            "<rect class=\"failed\"", "<a href=\"/servers/local\">local</a>, port 18000",
        ] {
            #expect(project.text.contains(expected), "the project page shows \(expected)")
        }
        #expect(!project.text.contains("<script>alert"), "an event's text is never markup")
        #expect(!project.text.contains("<b>"))
        #expect(!project.text.contains("<script>") , "the one script is an external file")

        let server = try await html(fixture, "servers/local")
        #expect(server.status == 200)
        #expect(server.text.contains("1 of 10 ports used, 9 free (18000–18009)"), "\(server.text)")
        #expect(server.text.contains("server slow"), "the server's log")
        #expect(try await html(fixture, "servers").text.contains("1 of 10"))
        let incidents = try await html(fixture, "incidents")
        #expect(incidents.text.contains("deploy_failed"))
        #expect(try await html(fixture, "incidents?status=resolved").text.contains("None."))
        let logs = try await html(fixture, "logs?level=warning")
        #expect(logs.text.contains("server slow") && !logs.text.contains("Check out the commit"))
        #expect(logs.text.contains("data-follow=\"/api/v1/journal?follow=true&amp;level=warning&amp;since="))

        #expect(try await html(fixture, "projects/nope").status == 404)
        #expect(try await html(fixture, "servers/nope").status == 404)
        let script = try await fixture.get(String(DashboardAssets.scriptPath.dropFirst()))
        #expect(script.status == 200 && script.headers["Cache-Control"]?.contains("immutable") == true)
        #expect(overview.text.contains(DashboardAssets.scriptPath) && overview.text.contains(DashboardAssets.stylesheetPath))
        #expect(try await fixture.get("ui/steward.css").status == 200)
        await fixture.stop()
    }

    @Test func theProjectTablePaginatesAndFiltersByPhaseLabelAndText() async throws {
        let fixture = try Fixture()
        try fixture.config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop, labels: {team: shop}}
            spec: {repo: acme/shop, server: local}
            """)
        for index in 0..<250 {
            let name = String(format: "p%03d", index)
            try await fixture.store.save(
                project: ProjectRecord(name: name, repo: "acme/\(name)", phase: index % 10 == 0 ? .error : .active, updatedAt: now), events: [])
        }
        try await fixture.store.save(project: ProjectRecord(name: "shop", repo: "acme/shop", phase: .active, updatedAt: now), events: [])
        try await fixture.start()
        try await fixture.runController()

        let first = try await html(fixture, "projects")
        #expect(rows(first.text) == 100)
        #expect(first.text.contains("251 projects, 1–100 shown") && first.text.contains("page 1 of 3"))
        #expect(first.text.contains("href=\"/projects?page=2\""))
        let last = try await html(fixture, "projects?page=3")
        #expect(rows(last.text) == 51 && last.text.contains("rel=\"prev\""))
        #expect(rows(try await html(fixture, "projects?page=99").text) == 51, "a page past the end shows the last")
        #expect(rows(try await html(fixture, "projects?per=500").text) == 251)
        let errors = try await html(fixture, "projects?phase=error")
        #expect(rows(errors.text) == 25 && errors.text.contains("<option value=\"error\" selected>error (25)</option>"))
        #expect(rows(try await html(fixture, "projects?q=P01").text) == 10, "the search ignores case")
        #expect(rows(try await html(fixture, "projects?q=acme%2Fp24").text) == 10, "and looks at the repo too")
        let labelled = try await html(fixture, "projects?label=team%3Dshop")
        #expect(rows(labelled.text) == 1 && labelled.text.contains("href=\"/projects/shop\""))
        #expect(rows(try await html(fixture, "projects?label=team").text) == 1, "a key alone matches any value")
        #expect(rows(try await html(fixture, "projects?label=team%3Dother").text) == 0)
        #expect(try await html(fixture, "projects?phase=nonsense").text.contains("No project matches."))

        var renamed = try #require(try await fixture.store.project(named: "p001"))
        renamed.phase = .maintenance
        try await fixture.store.save(project: renamed, events: [])
        #expect(rows(try await html(fixture, "projects?phase=maintenance").text) == 1, "the table's cache follows a write")
        await fixture.stop()
    }

    @Test func aTokenGuardsThePagesAndSigningInSetsACookieThatOpensTheAPITooNeverTheTokenItself() async throws {
        let fixture = try Fixture()
        try await fixture.start { $0.token = "t0ken" }
        let refused = try await html(fixture, "projects?q=x")
        #expect(refused.status == 401 && refused.text.contains("action=\"/login\"") && refused.text.contains("value=\"/projects\""))
        #expect(try await html(fixture, "", headers: ["Authorization": "Bearer t0ken"]).status == 200, "the bearer token works too")

        func signIn(_ form: String) async throws -> HTTPResponse {
            try await fixture.client.send(HTTPRequest(method: .post, url: fixture.base.appendingPathComponent("login"),
                headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8)))
        }
        let wrong = try await signIn("token=nope&next=%2Fservers")
        #expect(wrong.status == 401 && String(decoding: wrong.body, as: UTF8.self).contains("not the one in http.tokenFile"))
        #expect(wrong.headers["Set-Cookie"] == nil)
        let signedIn = try await signIn("token=t0ken&next=%2Fservers")
        #expect(signedIn.status == 303 && signedIn.headers["Location"] == "/servers")
        let cookie = try #require(signedIn.headers["Set-Cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("t0ken"))
        let session = try #require(cookie.split(separator: ";").first.map(String.init))
        #expect(try await html(fixture, "servers", headers: ["Cookie": session]).status == 200)
        #expect(try await fixture.get("api/v1/projects", headers: ["Cookie": "other=1; " + session]).status == 200,
            "the page's EventSource reaches the API with the cookie")
        #expect(try await fixture.get("metrics", headers: ["Cookie": "steward_session=forged"]).status == 401)
        let elsewhere = try await signIn("token=t0ken&next=%2F%2Fevil.example%2F")
        #expect(elsewhere.headers["Location"] == "/", "never a redirect to another site")
        await fixture.stop()
    }

    @Test func theJournalFiltersByProjectServerAndLevelAndResumesAfterTheLastEventID() async throws {
        let fixture = try Fixture()
        _ = try await seed(fixture.store)
        try await fixture.start()
        func messages(_ path: String, headers: HTTPHeaders = [:]) async throws -> [String] {
            let response = try await fixture.get(path, headers: headers)
            let lines = try JSONSerialization.jsonObject(with: response.body) as? [[String: Any]] ?? []
            return lines.compactMap { $0["message"] as? String }
        }
        // finishRun wrote the run's own line first.
        let failed = "run #1 deploy failed: task \"Wait for health\""
        #expect(try await messages("api/v1/journal?project=shop") == [failed, "Check out the commit <b>"])
        #expect(try await messages("api/v1/journal?server=local") == ["server slow"])
        #expect(try await messages("api/v1/journal?level=warning") == [failed, "server slow"])
        #expect(try await messages("api/v1/journal?level=warning&project=shop") == [failed])
        #expect(try await fixture.get("api/v1/journal?level=loud").status == 400)
        let first = try #require(try await fixture.store.journal(after: nil, matching: JournalQuery(), limit: 1).first?.id)
        #expect(try await messages("api/v1/journal?since=0", headers: ["Last-Event-ID": "\(first)"]) == ["Check out the commit <b>", "server slow"])
        await fixture.stop()
    }

    @Test func textIsEscapedAndTimesAreRelativeWithTheAbsoluteTimeOnHover() {
        #expect(HTML.escape(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(HTML.escape("plain") == "plain")
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(DashboardTime.relative(now.addingTimeInterval(-2), now: now) == "just now")
        #expect(DashboardTime.relative(now.addingTimeInterval(-150), now: now) == "2 min ago")
        #expect(DashboardTime.relative(now.addingTimeInterval(7200), now: now) == "in 2 h")
        #expect(DashboardTime.tag(now, now: now.addingTimeInterval(86_400 * 3))
            == #"<time datetime="2027-01-15T08:00:00Z" title="2027-01-15 08:00:00 UTC">3 d ago</time>"#)
        #expect(ControllerHTTPServer.safeNext("/projects?q=a") == "/projects?q=a")
        for hostile in ["//evil.example", "https://evil.example", "/\\evil", "/a\nb", nil] {
            #expect(ControllerHTTPServer.safeNext(hostile) == "/")
        }
    }
}
