import Foundation
import StewardTestSupport
import Testing

/// The dashboard of a real `steward run` in a real browser: Debian's headless Chromium, driven over the DevTools
/// protocol by `scripts/browser.py`, loads every page (the DOM, no console error, a screenshot of each in
/// `artifacts/screenshots/`, or `$STEWARD_ARTIFACTS/screenshots/`), light and dark; Chromium's `--dump-dom`; the
/// pages are whole with JavaScript disabled; and a deploy's task lines appear on the project's page without a reload.
@Suite(.serialized)
struct DashboardBrowserIntegrationTests {
    static var screenshots: URL {
        let root = ProcessInfo.processInfo.environment["STEWARD_ARTIFACTS"].map { URL(fileURLWithPath: $0) }
            ?? StewardBinary.repoRoot.appendingPathComponent("artifacts")
        return root.appendingPathComponent("screenshots")
    }

    static var chromium: String { ProcessInfo.processInfo.environment["CHROMIUM"] ?? "chromium" }

    /// Fails, saying what to install, when Chromium is missing.
    static func requireChromium() async throws {
        do {
            _ = try await run([chromium, "--version"])
        } catch {
            Issue.record("headless Chromium is needed for the dashboard tests: apt-get install chromium (or set CHROMIUM): \(error)")
            throw error
        }
    }

    /// `scripts/browser.py` with these arguments; each JSON line it printed.
    private func browser(_ base: String, _ arguments: [String]) async throws -> [[String: Any]] {
        let script = StewardBinary.repoRoot.appendingPathComponent("scripts/browser.py").path
        let output = try await run(["python3", script, "--timeout", "60", "--base", base, "--out", Self.screenshots.path] + arguments)
        return output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test func everyPageLoadsInChromiumWithoutErrorsWorksWithoutScriptsAndFollowsADeployLive() async throws {
        try await StewardBinary.requireAnsible()
        try await Self.requireChromium()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }
        // A second local server with a project of its own, and a project whose repo does not exist yet (the agents
        // would create it; here it waits in provisioning).
        let second = try fixture.writeEdgeServer(labels: "{purpose: dashboard}", then: """
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: greeter, labels: {team: web}}
            spec:
              repo: quickstart/hello
              server: edge
              deploy: {playbook: deploy_project.yml, healthPath: /health}
              env: |
                GREETING=hej
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: ghost, labels: {team: web}}
            spec: {repo: quickstart/ghost, server: edge, stage: active}
            """)
        try await fixture.config.commit("a second server, greeter and ghost")
        let controller = try RunningController(fixture.configArguments, stateDirectory: fixture.state.url)
        defer { controller.kill9() }
        try await controller.waitFor("hello and greeter deployed") {
            let hello = await httpGet("http://127.0.0.1:\(fixture.port)/health")
            let greeter = await httpGet("http://127.0.0.1:\(second)/health")
            return hello != nil && greeter != nil
        }
        let base = "http://" + (try await controller.listenAddress(fixture.stateArguments))
        try await controller.waitFor("both deploys recorded and ghost provisioning") {
            let text = await httpGet(base + "/projects") ?? ""
            return text.components(separatedBy: "badge ok\">active").count == 3 && text.contains(">provisioning<")
        }

        let paths = ["/", "/projects", "/projects/hello", "/projects/ghost", "/servers", "/servers/edge", "/incidents", "/logs"]
        let pages = try await browser(base, ["pages"] + paths)
        #expect(pages.count == paths.count, "\(pages.map { $0["path"] ?? "?" })")
        let expected: [String: [String]] = [
            "/": ["Overview", "Last reconciles", "project/<a href=\"/projects/greeter\">greeter</a>"],
            "/projects": ["href=\"/projects/hello\"", "href=\"/projects/greeter\"", "href=\"/projects/ghost\"", "3 projects"],
            "/projects/hello": ["Deploy history", "succeeded", "Check out the commit", "Ansible runs", "<svg class=\"bar\""],
            "/projects/ghost": ["provisioning", "does not exist yet"],
            "/servers": ["href=\"/servers/local\"", "href=\"/servers/edge\""],
            "/servers/edge": ["1 of 1 ports used, 0 free", "href=\"/projects/greeter\""],
            "/incidents": ["<h1 id=\"h-incidents\">Incidents</h1>"],
            "/logs": ["Journal", "controller started"],
        ]
        for page in pages {
            let path = page["path"] as? String ?? "?"
            let html = page["html"] as? String ?? ""
            #expect(page["status"] as? Int == 200, "\(path)")
            #expect((page["errors"] as? [Any])?.isEmpty == true, "no console error, exception or failed request on \(path): \(page["errors"] ?? "-")")
            for text in expected[path] ?? [] { #expect(html.contains(text), "\(path) shows \(text)") }
            if path == "/projects/hello" || path == "/logs" {
                // The script ran: the log's tools are shown and its stream is open.
                #expect(html.contains("<div class=\"log-tools\" id=\"log-tools\"><span data-log-status=\"\" aria-live=\"polite\" class=\"status-live\">live</span>"),
                    "\(path): the live log connected")
            }
            let shot = page["screenshot"] as? String ?? ""
            #expect(FileManager.default.fileExists(atPath: shot), "the screenshot of \(path)")
        }
        let dark = try await browser(base, ["pages", "--color-scheme", "dark", "/projects/hello", "/"])
        #expect(dark.allSatisfy { ($0["errors"] as? [Any])?.isEmpty == true && $0["status"] as? Int == 200 })

        // Chromium's own `--dump-dom` (the DOM after scripts ran) has every project row.
        let dom = try await run([Self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", base + "/projects"])
        #expect(["hello", "greeter", "ghost"].allSatisfy { dom.contains("<th scope=\"row\"><a href=\"/projects/\($0)\">") }, "\(dom)")

        // Without scripts the pages are whole: the table, the runs and the log lines are in the HTML itself.
        let plain = try await browser(base, ["pages", "--no-scripts", "/projects", "/projects/hello"])
        #expect(plain.count == 2 && plain.allSatisfy { $0["status"] as? Int == 200 && ($0["errors"] as? [Any])?.isEmpty == true })
        #expect(((plain.first?["html"] as? String) ?? "").contains("3 projects"))
        let project = (plain.last?["html"] as? String) ?? ""
        #expect(project.contains("Deploy history") && project.contains("Check out the commit"))
        #expect(project.contains("class=\"log-tools\" id=\"log-tools\" hidden"), "the live log's tools wait for the script")

        // Live: the page is open, a commit changes the greeting, and the new deploy's task lines arrive in its log.
        let output = fixture.state.url.appendingPathComponent("browser-live.jsonl")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let live = Process()
        live.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        live.arguments = ["python3", StewardBinary.repoRoot.appendingPathComponent("scripts/browser.py").path, "--timeout", "120",
            "--base", base, "--out", Self.screenshots.path, "live", "/projects/hello",
            "--selector", "table.log tr[data-live] td.m", "--contains", "Check out the commit"]
        live.standardOutput = try FileHandle(forWritingTo: output)
        live.standardError = FileHandle.nullDevice
        try live.run()
        defer {
            // browser.py ends its Chromium on SIGTERM (it sets its own handler); SIGKILL if it does not go.
            if live.isRunning {
                kill(live.processIdentifier, SIGTERM)
                usleep(3_000_000)
                if live.isRunning { kill(live.processIdentifier, SIGKILL) }
            }
        }
        func lines() -> [[String: Any]] {
            ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        try await controller.waitFor("the page to load in Chromium") { lines().first?["ready"] as? Bool == true }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hola"))
        try await fixture.config.commit("greeting while the dashboard watches")
        try await controller.waitFor("the live check to finish", limit: Patience.base * 6) { lines().count == 2 }
        let result = lines()[1]
        #expect(result["found"] as? Bool == true, "the deploy's task lines appeared: \(result)")
        #expect(result["navigations"] as? Int == 0, "without a reload")
        #expect((result["errors"] as? [Any])?.isEmpty == true, "\(result["errors"] ?? "-")")
        try await controller.waitFor("the new greeting deployed") { await httpGet("http://127.0.0.1:\(fixture.port)/")?.contains("hola") == true }
    }
}
