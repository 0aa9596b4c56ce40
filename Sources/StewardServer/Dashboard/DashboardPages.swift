import Foundation
import HTTPTypes
import StewardCore
import StewardModel

/// The dashboard's pages, rendered from what the routes read (pure functions: tests render them from records).
enum DashboardPages {
    /// The sections of the top navigation.
    enum Section: String, CaseIterable {
        case overview = "Overview", projects = "Projects", servers = "Servers", incidents = "Incidents", logs = "Logs"

        var path: String {
            switch self {
            case .overview: "/"
            case .projects: "/projects"
            case .servers: "/servers"
            case .incidents: "/incidents"
            case .logs: "/logs"
            }
        }
    }

    /// The page frame: header with navigation, `main`, footer. `content` writes the inside of `main`.
    static func layout(
        title: String, section: Section?, _ context: DashboardContext, status: HTTPResponse.Status = .ok, _ content: (inout HTML) -> Void
    ) -> DashboardPage {
        var html = HTML()
        html.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"color-scheme\" content=\"light dark\">")
        html.raw("<title>")
        html.text(title)
        html.raw(" · Steward</title><link rel=\"icon\" href=\"data:,\">")
        html.raw("<link rel=\"stylesheet\" href=\"\(DashboardAssets.stylesheetPath)\">")
        html.raw("<script src=\"\(DashboardAssets.scriptPath)\" defer></script></head><body>")
        html.raw("<a class=\"skip\" href=\"#main\">Skip to content</a><header class=\"top\"><a class=\"brand\" href=\"/\">Steward</a>")
        html.raw("<nav aria-label=\"Main\"><ul>")
        for item in Section.allCases {
            html.raw("<li><a href=\"\(item.path)\"\(item == section ? " aria-current=\"page\"" : "")>\(item.rawValue)</a></li>")
        }
        html.raw("</ul></nav><span class=\"meta\">config ")
        html.element("code", "", context.commit.map { String($0.prefix(12)) } ?? "not loaded yet")
        html.raw("</span></header><main id=\"main\">")
        content(&html)
        html.raw("</main><footer>Steward ")
        html.text(context.version)
        html.raw(" · read-only: desired state changes through git, answers and secrets through the CLI · rendered ")
        html.raw(DashboardTime.tag(context.now, now: context.now))
        html.raw("</footer></body></html>\n")
        return DashboardPage(status: status, html: html.text)
    }

    // MARK: Badges

    /// How a phase, status or result looks: ok (green), warn, bad (red), info (blue) or plain.
    static func tone(of value: String) -> String {
        switch value {
        case "active", "ready", "healthy", "succeeded", "resolved", "done", "True", "completed", "Normal": "ok"
        case "error", "missing", "failed", "unreachable", "unhealthy", "critical", "timed_out", "interrupted", "blocked": "bad"
        case "setup_required", "waiting_for_resources", "maintenance", "warning", "Warning", "detected", "recovering",
            "requeue", "Unknown", "changed":
            "warn"
        case "provisioning", "deploying", "designing", "implementing", "verifying", "running", "estimated", "initialized":
            "info"
        default: ""
        }
    }

    static func badge(_ value: String, _ html: inout HTML, label: String? = nil) {
        html.raw("<span class=\"badge \(tone(of: value))\">")
        html.text(label ?? value)
        html.raw("</span>")
    }

    static func link(_ path: String, _ text: String, _ html: inout HTML) {
        html.raw("<a href=\"\(path)\">")
        html.text(text)
        html.raw("</a>")
    }

    static func projectLink(_ name: String, _ html: inout HTML) { link("/projects/\(HTML.path(name))", name, &html) }
    static func serverLink(_ name: String, _ html: inout HTML) { link("/servers/\(HTML.path(name))", name, &html) }

    static func objectLink(kind: String, name: String, _ html: inout HTML) {
        kind == "Server" ? serverLink(name, &html) : projectLink(name, &html)
    }

    /// `<tr>` of header cells with `scope="col"`; names ending in `#` are numeric (right-aligned).
    static func header(_ columns: [String], _ html: inout HTML) {
        html.raw("<thead><tr>")
        for column in columns {
            if column.hasSuffix("#") {
                html.raw("<th scope=\"col\" class=\"num\">")
                html.text(String(column.dropLast()))
            } else {
                html.raw("<th scope=\"col\">")
                html.text(column)
            }
            html.raw("</th>")
        }
        html.raw("</tr></thead>")
    }

    static func cell(_ text: String, _ html: inout HTML, className: String? = nil) {
        html.raw(className.map { "<td class=\"\($0)\">" } ?? "<td>")
        html.text(text)
        html.raw("</td>")
    }

    /// A table row of `columns` cells saying there is nothing to show.
    static func emptyRow(_ columns: Int, _ text: String, _ html: inout HTML) {
        html.raw("<tr class=\"empty\"><td colspan=\"\(columns)\" class=\"muted\">")
        html.text(text)
        html.raw("</td></tr>")
    }

    // MARK: Overview

    struct Overview {
        var counts: ObjectCounts
        var projects: Int
        var healthy: Int
        var unhealthy: Int
        /// Projects whose agents wait for a person.
        var waiting: [String]
        var servers: [ServerRecord]
        var incidents: [IncidentRecord]
        var recent: [RecentReconcile]
        var controller: ControllerStatus
    }

    static func overview(_ overview: Overview, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Overview", section: .overview, context) { html in
            html.raw("<h1>Overview</h1><div class=\"cards\">")
            html.raw("<section class=\"card\" aria-labelledby=\"c-projects\"><h2 id=\"c-projects\">Projects</h2>")
            html.raw("<div class=\"big\">\(overview.projects)</div><ul>")
            for (phase, count) in overview.counts.projectsByPhase.sorted(by: { $0.key < $1.key }) {
                html.raw("<li><a href=\"/projects?phase=\(HTML.query(phase))\">")
                badge(phase, &html)
                html.raw("</a> \(count)</li>")
            }
            html.raw("</ul></section>")
            html.raw("<section class=\"card\" aria-labelledby=\"c-health\"><h2 id=\"c-health\">Health</h2><ul>")
            html.raw("<li>")
            badge("healthy", &html)
            html.raw(" \(overview.healthy)</li><li>")
            badge("unhealthy", &html)
            html.raw(" \(overview.unhealthy)</li><li class=\"muted\">not checked \(max(0, overview.projects - overview.healthy - overview.unhealthy))</li>")
            html.raw("</ul></section>")
            let ready = overview.servers.count { $0.status == .ready }
            html.raw("<section class=\"card\" aria-labelledby=\"c-servers\"><h2 id=\"c-servers\">Servers</h2>")
            html.raw("<div class=\"big\">\(ready) / \(overview.servers.count)</div><div class=\"muted\">ready</div><ul>")
            for server in overview.servers where server.status != .ready {
                html.raw("<li>")
                serverLink(server.name, &html)
                html.raw(" ")
                badge(server.status.rawValue, &html)
                html.raw("</li>")
            }
            html.raw("</ul></section>")
            html.raw("<section class=\"card\" aria-labelledby=\"c-incidents\"><h2 id=\"c-incidents\">Open incidents</h2>")
            html.raw("<div class=\"big\"><a href=\"/incidents\">\(overview.incidents.count)</a></div><ul>")
            let critical = overview.incidents.count { $0.severity == .critical }
            if critical > 0 {
                html.raw("<li>")
                badge("critical", &html)
                html.raw(" \(critical)</li>")
            }
            html.raw("</ul></section>")
            let controller = overview.controller
            html.raw("<section class=\"card\" aria-labelledby=\"c-controller\"><h2 id=\"c-controller\">Controller</h2><ul>")
            html.raw("<li>up since \(DashboardTime.tag(controller.startedAt, now: context.now))</li>")
            html.raw("<li>\(controller.polls) config polls, \(controller.reconciles) reconciles, \(controller.failures) failed</li>")
            html.raw("<li>\(controller.queued.count) queued, \(controller.inFlight.count) in flight, "
                + "\(controller.waiting.count { $0.failures > 0 }) in backoff</li></ul></section>")
            html.raw("</div>")

            if !overview.waiting.isEmpty {
                html.raw("<h2>Waiting for a person</h2><ul>")
                for name in overview.waiting.prefix(50) {
                    html.raw("<li>")
                    projectLink(name, &html)
                    html.raw(": its agents ask a question (answer it on the project's page)</li>")
                }
                html.raw("</ul>")
            }

            html.raw("<h2 id=\"h-incidents\">Open incidents</h2>")
            incidentTable(Array(overview.incidents.prefix(10)), labelledBy: "h-incidents", context, &html)

            html.raw("<h2 id=\"h-recent\">Last reconciles</h2><table aria-labelledby=\"h-recent\">")
            header(["Key", "Result", "Duration#", "Finished", "Error"], &html)
            html.raw("<tbody>")
            if overview.recent.isEmpty { emptyRow(5, "No project or server reconciled yet.", &html) }
            for reconcile in overview.recent {
                html.raw("<tr><td>")
                let parts = reconcile.key.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2, parts[0] == "project" || parts[0] == "server" {
                    html.text(parts[0] + "/")
                    objectLink(kind: parts[0] == "server" ? "Server" : "Project", name: parts[1], &html)
                } else {
                    html.text(reconcile.key)
                }
                html.raw("</td><td>")
                badge(reconcile.result, &html)
                html.raw("</td>")
                cell(DashboardTime.duration(milliseconds: reconcile.durationMs), &html, className: "num")
                html.raw("<td>\(DashboardTime.tag(reconcile.finishedAt, now: context.now))</td>")
                cell(reconcile.error ?? "", &html)
                html.raw("</tr>")
            }
            html.raw("</tbody></table>")
        }
    }

    // MARK: Projects

    struct ProjectFilter {
        var phase: String?
        var label: String?
        var search: String?
        var page = 1
        var perPage = 100

        /// The query string of this filter at `page`.
        func query(page: Int) -> String {
            var items: [String] = []
            if let phase { items.append("phase=\(HTML.query(phase))") }
            if let label { items.append("label=\(HTML.query(label))") }
            if let search { items.append("q=\(HTML.query(search))") }
            if perPage != 100 { items.append("per=\(perPage)") }
            items.append("page=\(page)")
            return "?" + items.joined(separator: "&amp;")
        }
    }

    struct ProjectTable {
        /// The rows of this page.
        var rows: [ProjectRow]
        /// How many projects match the filter.
        var matching: Int
        var pages: Int
        var health: [String: HealthCheckRecord]
        /// Every phase with projects, for the filter.
        var phases: [String: Int]
    }

    static func projects(_ table: ProjectTable, filter: ProjectFilter, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Projects", section: .projects, context) { html in
            html.raw("<h1>Projects</h1>")
            html.raw("<form class=\"filters\" method=\"get\" action=\"/projects\" data-autosubmit role=\"search\" aria-label=\"Filter projects\">")
            html.raw("<label>Phase<select name=\"phase\"><option value=\"\">any</option>")
            for phase in ProjectPhase.allCases.map(\.rawValue) where table.phases[phase] != nil || phase == filter.phase {
                html.raw("<option value=\"\(phase)\"\(phase == filter.phase ? " selected" : "")>\(phase) (\(table.phases[phase] ?? 0))</option>")
            }
            html.raw("</select></label><label>Label<input name=\"label\" placeholder=\"team=bots\" value=\"")
            html.text(filter.label ?? "")
            html.raw("\"></label><label>Search<input type=\"search\" name=\"q\" placeholder=\"name or repo\" value=\"")
            html.text(filter.search ?? "")
            html.raw("\"></label><button type=\"submit\">Filter</button>")
            if filter.phase != nil || filter.label != nil || filter.search != nil { html.raw("<a href=\"/projects\">clear</a>") }
            html.raw("</form>")
            let first = table.matching == 0 ? 0 : (filter.page - 1) * filter.perPage + 1
            html.raw("<table id=\"projects\"><caption>\(table.matching) project\(table.matching == 1 ? "" : "s")")
            if table.pages > 1 { html.raw(", \(first)–\(first + table.rows.count - 1) shown") }
            html.raw("</caption>")
            header(["Name", "Phase", "Health", "Server:port", "Commit", "Last deploy", "Ready"], &html)
            html.raw("<tbody>")
            if table.rows.isEmpty { emptyRow(7, "No project matches.", &html) }
            for row in table.rows {
                html.raw("<tr><th scope=\"row\">")
                projectLink(row.name, &html)
                html.raw("</th><td>")
                badge(row.phase.rawValue, &html)
                if row.suspended { html.raw(" <span class=\"badge warn\">suspended</span>") }
                if row.engineering == .blocked { html.raw(" <span class=\"badge warn\">question</span>") }
                html.raw("</td><td>")
                if let health = table.health[row.name] {
                    badge(health.lastStatus.rawValue, &html)
                } else {
                    html.raw("<span class=\"muted\">–</span>")
                }
                html.raw("</td><td>")
                if let server = row.server {
                    serverLink(server, &html)
                    html.raw(row.port.map { ":\($0)" } ?? "")
                } else {
                    html.raw("<span class=\"muted\">–</span>")
                }
                html.raw("</td>")
                cell(row.commit.map { String($0.prefix(12)) } ?? "–", &html, className: "mono")
                html.raw("<td>\(DashboardTime.tag(row.lastDeployedAt, now: context.now))</td><td>")
                if let ready = row.ready {
                    html.raw("<span title=\"")
                    html.text(ready.message)
                    html.raw("\">")
                    badge(ready.status.rawValue, &html, label: ready.status == .true ? "Ready" : ready.reason)
                    html.raw("</span>")
                } else {
                    html.raw("<span class=\"muted\">–</span>")
                }
                html.raw("</td></tr>")
            }
            html.raw("</tbody></table>")
            if table.pages > 1 {
                html.raw("<nav class=\"pages\" aria-label=\"Pages\">")
                if filter.page > 1 { html.raw("<a rel=\"prev\" href=\"/projects\(filter.query(page: filter.page - 1))\">← previous</a>") }
                html.raw("<span>page \(filter.page) of \(table.pages)</span>")
                if filter.page < table.pages { html.raw("<a rel=\"next\" href=\"/projects\(filter.query(page: filter.page + 1))\">next →</a>") }
                html.raw("</nav>")
            }
        }
    }

    // MARK: Incidents

    static func incidentTable(_ incidents: [IncidentRecord], labelledBy: String, _ context: DashboardContext, _ html: inout HTML) {
        html.raw("<table aria-labelledby=\"\(labelledBy)\">")
        header(["#", "Severity", "Kind", "Object", "Status", "Message", "Opened", "Updated"], &html)
        html.raw("<tbody>")
        if incidents.isEmpty { emptyRow(8, "None.", &html) }
        for incident in incidents {
            html.raw("<tr><td class=\"num\">\(incident.id ?? 0)</td><td>")
            badge(incident.severity.rawValue, &html)
            html.raw("</td>")
            cell(incident.kind.rawValue, &html)
            html.raw("<td>")
            html.text(incident.objectKind.lowercased() + "/")
            objectLink(kind: incident.objectKind, name: incident.objectName, &html)
            html.raw("</td><td>")
            badge(incident.status.rawValue, &html)
            html.raw("</td>")
            cell(incident.message, &html)
            html.raw("<td>\(DashboardTime.tag(incident.openedAt, now: context.now))</td>")
            html.raw("<td>\(DashboardTime.tag(incident.resolvedAt ?? incident.updatedAt, now: context.now))</td></tr>")
        }
        html.raw("</tbody></table>")
    }

    static func incidents(_ incidents: [IncidentRecord], status: String, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Incidents", section: .incidents, context) { html in
            html.raw("<h1 id=\"h-incidents\">Incidents</h1>")
            html.raw("<form class=\"filters\" method=\"get\" action=\"/incidents\" data-autosubmit aria-label=\"Filter incidents\">")
            html.raw("<label>Status<select name=\"status\">")
            for option in ["open", "all", "detected", "recovering", "resolved", "failed"] {
                html.raw("<option value=\"\(option)\"\(option == status ? " selected" : "")>\(option)</option>")
            }
            html.raw("</select></label><button type=\"submit\">Show</button></form>")
            incidentTable(incidents, labelledBy: "h-incidents", context, &html)
        }
    }

    // MARK: Other pages

    static func notFound(_ message: String, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Not found", section: nil, context, status: .notFound) { html in
            html.element("h1", "", message)
            html.raw("<p><a href=\"/\">Back to the overview</a></p>")
        }
    }

    static func failure(_ message: String, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Error", section: nil, context, status: .internalServerError) { html in
            html.raw("<h1>The state could not be read</h1><pre>")
            html.text(message)
            html.raw("</pre>")
        }
    }

    /// The sign-in form (a token is configured and the request carried neither the token nor the session cookie).
    static func login(next: String, error: String?) -> String {
        var html = HTML()
        html.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        html.raw("<title>Sign in · Steward</title><link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"\(DashboardAssets.stylesheetPath)\"></head>")
        html.raw("<body><main id=\"main\" class=\"login\"><h1>Steward</h1>")
        html.raw("<p>This controller asks for the token in its <code>http.tokenFile</code>.</p>")
        if let error {
            html.raw("<p class=\"error-text\" role=\"alert\">")
            html.text(error)
            html.raw("</p>")
        }
        html.raw("<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"")
        html.text(next)
        html.raw("\"><label for=\"token\">Token</label><input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required>")
        html.raw("<button type=\"submit\">Sign in</button></form></main></body></html>\n")
        return html.text
    }
}
