import Foundation
import StewardCore
import StewardModel

/// A project's and a server's page, and the journal.
extension DashboardPages {
    struct ProjectDetail {
        var project: ProjectRecord
        var labels: [String: String]
        var health: HealthCheckRecord?
        var thread: AgentThreadSummary?
        /// Newest first, with tasks.
        var runs: [RunRecord]
        /// Oldest first.
        var events: [EventRecord]
        var incidents: [IncidentRecord]
        /// The newest journal lines of the project, oldest first.
        var log: [JournalEntry]
    }

    static func project(_ detail: ProjectDetail, _ context: DashboardContext) -> DashboardPage {
        let project = detail.project
        return layout(title: project.name, section: .projects, context) { html in
            html.raw("<h1>")
            html.text(project.name)
            badge(project.phase.rawValue, &html)
            if let health = detail.health { badge(health.lastStatus.rawValue, &html) }
            if project.conditions[Condition.suspended]?.status == .true || project.spec?.suspend == true {
                html.raw("<span class=\"badge warn\">suspended</span>")
            }
            html.raw("</h1><dl class=\"facts\">")
            fact("Phase", &html) {
                $0.text(project.phase.rawValue + (project.resumePhase.map { " (resumes at \($0.rawValue))" } ?? ""))
            }
            fact("Repo", &html) {
                $0.text((project.repo ?? "–") + (project.repoOrigin.map { $0 == .created ? ", created by Steward" : ", adopted: agents only propose changes" } ?? "")
                    + (project.archived ? " (archived)" : ""))
            }
            if let spec = project.spec {
                fact("Spec", &html) {
                    $0.text("stage \(spec.stage.rawValue), ref \(spec.ref), playbook \(spec.deploy.playbook), strategy "
                        + "\(spec.deploy.strategy.rawValue), health \(spec.deploy.healthPath)")
                }
            }
            if !detail.labels.isEmpty {
                fact("Labels", &html) { html in
                    for key in detail.labels.keys.sorted() {
                        let selector = "\(key)=\(detail.labels[key]!)"
                        html.raw("<a class=\"badge\" href=\"/projects?label=\(HTML.query(selector))\">")
                        html.text(selector)
                        html.raw("</a> ")
                    }
                }
            }
            fact("Manifest", &html) { $0.text((project.manifestPath ?? "–") + (project.orphaned ? " (removed from the config repo)" : "")) }
            fact("Generation", &html) { $0.text("\(project.generation) (observed \(project.observedGeneration))") }
            fact("Server", &html) { html in
                if let server = project.server {
                    serverLink(server, &html)
                    html.text(project.port.map { ", port \($0)" } ?? "")
                } else {
                    html.text("not placed")
                }
            }
            fact("Deployed", &html) { html in
                if let commit = project.lastDeployCommit {
                    html.element("code", "", String(commit.prefix(12)))
                    html.raw(" \(DashboardTime.tag(project.lastDeployedAt, now: context.now))")
                } else {
                    html.text("never")
                }
            }
            fact("Health", &html) { html in
                guard let health = detail.health else {
                    html.text(project.phase == .active ? "not checked yet" : "not checked (only active projects are)")
                    return
                }
                html.text("\(health.lastStatus.rawValue)" + (health.lastCode.map { " (HTTP \($0))" } ?? "") + " at \(health.url), ")
                html.raw("checked \(DashboardTime.tag(health.lastCheckedAt, now: context.now))")
                if health.consecutiveFailures > 0 { html.text(", \(health.consecutiveFailures) failed in a row") }
                if let error = health.lastError { html.text(": \(error)") }
            }
            if let proposal = project.proposal {
                fact("Proposal", &html) { $0.text("\(proposal.summary), waiting for a person to merge it") }
            }
            html.raw("</dl>")

            agentSection(detail, &html)

            let open = detail.incidents.filter { $0.status.isOpen }
            if !open.isEmpty {
                html.raw("<h2 id=\"h-incidents\">Open incidents</h2>")
                incidentTable(open, labelledBy: "h-incidents", context, &html)
            }
            conditionTable(project.conditions, context, &html)
            deployHistory(detail.runs, context, &html)
            runTimeline(Array(detail.runs.prefix(5)), context, &html)
            eventTable(detail.events, context, &html)
            liveLog(detail.log, follow: "project=\(HTML.query(project.name))", title: "Live log", context, &html)
        }
    }

    /// `<dt>NAME</dt><dd>…</dd>`.
    private static func fact(_ name: String, _ html: inout HTML, _ value: (inout HTML) -> Void) {
        html.raw("<dt>")
        html.text(name)
        html.raw("</dt><dd>")
        value(&html)
        html.raw("</dd>")
    }

    /// The agents: their statuses, the thread, and the question with the command that answers it.
    private static func agentSection(_ detail: ProjectDetail, _ html: inout HTML) {
        let project = detail.project
        html.raw("<h2>Agents</h2><p>Engineering ")
        badge(project.engineeringStatus.rawValue, &html)
        html.raw(" Zavhoz ")
        badge(project.zavhozStatus.rawValue, &html)
        guard let thread = detail.thread else {
            html.raw(" <span class=\"muted\">no agent thread for generation \(project.generation)</span></p>")
            return
        }
        html.raw(" thread ")
        html.element("code", "", thread.thread)
        html.text(" \(thread.status) at step \(thread.step)" + (thread.outcome.isEmpty ? "" : ": \(thread.outcome)"))
        html.raw("</p>")
        guard let question = thread.question else { return }
        html.raw("<h3>The agents ask</h3><div class=\"question\" role=\"note\">")
        html.text(question)
        html.raw("</div><p>Answer from a shell where the state is (beside the controller works):</p><div class=\"copy\">")
        html.raw("<pre id=\"answer-command\"><code>")
        html.text("steward answer \(project.name) \"…\"")
        html.raw("</code></pre><button type=\"button\" data-copy=\"answer-command\" hidden>Copy</button></div>")
    }

    static func conditionTable(_ conditions: [Condition], _ context: DashboardContext, _ html: inout HTML) {
        html.raw("<h2 id=\"h-conditions\">Conditions</h2><table aria-labelledby=\"h-conditions\">")
        header(["Type", "Status", "Reason", "Message", "Since"], &html)
        html.raw("<tbody>")
        if conditions.isEmpty { emptyRow(5, "None yet.", &html) }
        for condition in conditions {
            html.raw("<tr><th scope=\"row\">")
            html.text(condition.type)
            html.raw("</th><td>")
            badge(condition.status.rawValue, &html)
            html.raw("</td>")
            cell(condition.reason, &html)
            cell(condition.message, &html)
            html.raw("<td>\(DashboardTime.tag(condition.lastTransitionTime, now: context.now))</td></tr>")
        }
        html.raw("</tbody></table>")
    }

    private static func deployHistory(_ runs: [RunRecord], _ context: DashboardContext, _ html: inout HTML) {
        let deploys = runs.filter { $0.kind == "deploy" }
        html.raw("<h2 id=\"h-deploys\">Deploy history</h2><table aria-labelledby=\"h-deploys\">")
        header(["Run#", "Commit", "Result", "Started", "Duration#", "Failed task"], &html)
        html.raw("<tbody>")
        if deploys.isEmpty { emptyRow(6, "No deploy yet.", &html) }
        for run in deploys {
            html.raw("<tr><td class=\"num\"><a href=\"#run-\(run.id ?? 0)\">#\(run.id ?? 0)</a></td>")
            cell(run.commit.map { String($0.prefix(12)) } ?? "–", &html, className: "mono")
            html.raw("<td>")
            badge(run.status.rawValue, &html)
            html.raw("</td><td>\(DashboardTime.tag(run.startedAt, now: context.now))</td>")
            cell(run.finishedAt.map { DashboardTime.duration(milliseconds: Int($0.timeIntervalSince(run.startedAt) * 1000)) } ?? "running", &html,
                className: "num")
            cell(run.failedTask.map { "\($0) on \(run.failedHost ?? "?")" } ?? "", &html)
            html.raw("</tr>")
        }
        html.raw("</tbody></table>")
    }

    /// Each run's tasks in order, with a bar placing each task in the run's time (per host: hosts run side by side).
    private static func runTimeline(_ runs: [RunRecord], _ context: DashboardContext, _ html: inout HTML) {
        html.raw("<h2>Ansible runs</h2>")
        if runs.isEmpty { html.raw("<p class=\"muted\">No Ansible run yet.</p>") }
        for (index, run) in runs.enumerated() {
            let id = run.id ?? 0
            // The newest run open; older ones fold (a native <details>: no script needed).
            html.raw("<details class=\"run\" id=\"run-\(id)\"\(index == 0 ? " open" : "")><summary><h3>#\(id) ")
            html.text(run.kind)
            html.raw(" ")
            badge(run.status.rawValue, &html)
            html.raw(" <span class=\"muted\">")
            html.text(run.playbook + (run.commit.map { " at \($0.prefix(12))" } ?? ""))
            html.raw(", started \(DashboardTime.tag(run.startedAt, now: context.now))")
            if let finished = run.finishedAt {
                html.text(", took " + DashboardTime.duration(milliseconds: Int(finished.timeIntervalSince(run.startedAt) * 1000)))
            }
            html.raw("</span></h3></summary>")
            var offsets: [String: Int] = [:]
            for task in run.tasks { offsets[task.host, default: 0] += task.durationMs }
            let span = max(1, offsets.values.max() ?? 1)
            offsets = [:]
            html.raw("<table aria-label=\"Tasks of run \(id)\">")
            header(["Host", "Task", "Status", "Duration#", "Timeline"], &html)
            html.raw("<tbody>")
            if run.tasks.isEmpty { emptyRow(5, run.status == .running ? "Running: no task finished yet." : "No task recorded.", &html) }
            for task in run.tasks {
                let start = offsets[task.host, default: 0]
                offsets[task.host] = start + task.durationMs
                html.raw("<tr>")
                cell(task.host, &html)
                html.raw("<td>")
                html.text(task.task)
                if let message = task.message {
                    html.raw("<div class=\"muted\">")
                    html.text(message)
                    html.raw("</div>")
                }
                html.raw("</td><td>")
                badge(task.status.rawValue, &html)
                html.raw("</td>")
                cell(DashboardTime.duration(milliseconds: task.durationMs), &html, className: "num")
                let x = start * 1000 / span
                let width = max(4, task.durationMs * 1000 / span)
                html.raw("<td><svg class=\"bar\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">"
                    + "<rect class=\"\(task.status.rawValue)\" x=\"\(min(x, 996))\" y=\"0\" width=\"\(width)\" height=\"10\"></rect></svg></td></tr>")
            }
            html.raw("</tbody></table></details>")
        }
    }

    static func eventTable(_ events: [EventRecord], _ context: DashboardContext, _ html: inout HTML) {
        html.raw("<h2 id=\"h-events\">Events</h2><table aria-labelledby=\"h-events\">")
        header(["Time", "Type", "Reason", "Message"], &html)
        html.raw("<tbody>")
        if events.isEmpty { emptyRow(4, "No events.", &html) }
        for event in events.reversed() {
            html.raw("<tr><td>\(DashboardTime.tag(event.time, now: context.now))</td><td>")
            badge(event.type.rawValue, &html)
            html.raw("</td>")
            cell(event.reason, &html)
            cell(event.message, &html)
            html.raw("</tr>")
        }
        html.raw("</tbody></table>")
    }

    /// The journal lines as a table, followed live (Server-Sent Events of `/api/v1/journal` with `follow` as its
    /// filter) once the script runs; without it, the lines as of the page's rendering.
    static func liveLog(_ lines: [JournalEntry], follow: String, title: String, _ context: DashboardContext, _ html: inout HTML) {
        let since = lines.last?.id.map { "&amp;since=\($0)" } ?? ""
        let url = "/api/v1/journal?follow=true" + (follow.isEmpty ? "" : "&amp;" + follow.replacingOccurrences(of: "&", with: "&amp;")) + since
        html.raw("<h2 id=\"h-log\">")
        html.text(title)
        html.raw("</h2><div class=\"log-tools\" id=\"log-tools\" hidden><span data-log-status aria-live=\"polite\">connecting…</span>")
        html.raw("<label>Filter <input type=\"search\" data-log-filter placeholder=\"text in the line\"></label>")
        html.raw("<button type=\"button\" data-log-pause aria-pressed=\"false\">Pause</button></div>")
        html.raw("<div class=\"log-wrap\"><table class=\"log\" aria-labelledby=\"h-log\" data-max=\"1000\" data-tools=\"log-tools\" data-follow=\"\(url)\">")
        header(["Time", "Level", "Object", "Message", "Fields"], &html)
        html.raw("<tbody>")
        if lines.isEmpty { emptyRow(5, "No lines yet.", &html) }
        for line in lines {
            html.raw("<tr class=\"\(line.level.rawValue)\" data-id=\"\(line.id ?? 0)\"><td class=\"t\">"
                + "<time datetime=\"\(DashboardTime.iso(line.time))\" title=\"\(DashboardTime.absolute(line.time))\" data-fixed>"
                + "\(clock(line.time))</time></td>")
            cell(line.level.rawValue.uppercased(), &html, className: "l")
            cell(line.project ?? line.server ?? "", &html, className: "o")
            cell(line.message, &html, className: "m")
            var fields = line.fields.keys.sorted().map { "\($0)=\(line.fields[$0]!)" }
            if let action = line.action { fields.insert("action=\(action)", at: 0) }
            cell(fields.joined(separator: " "), &html, className: "f")
            html.raw("</tr>")
        }
        html.raw("</tbody></table></div>")
    }

    /// `HH:MM:SS` in UTC.
    private static func clock(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970) % 86_400
        return String(format: "%02d:%02d:%02d", seconds / 3600, seconds % 3600 / 60, seconds % 60)
    }

    // MARK: Servers

    static func servers(_ servers: [ServerRecord], ports: [String: PortAllocation], _ context: DashboardContext) -> DashboardPage {
        var used: [String: Int] = [:]
        for allocation in ports.values { used[allocation.server, default: 0] += allocation.ports.count }
        return layout(title: "Servers", section: .servers, context) { html in
            html.raw("<h1 id=\"h-servers\">Servers</h1><table aria-labelledby=\"h-servers\">")
            header(["Name", "Status", "Address", "OS", "Memory free#", "Disk free#", "Ports used#", "Last seen"], &html)
            html.raw("<tbody>")
            if servers.isEmpty { emptyRow(8, "No servers.", &html) }
            for server in servers {
                html.raw("<tr><th scope=\"row\">")
                serverLink(server.name, &html)
                html.raw("</th><td>")
                badge(server.status.rawValue, &html)
                html.raw("</td>")
                cell(server.spec.map { "\($0.address):\($0.port) (\($0.connection.rawValue))" } ?? "–", &html)
                cell(server.facts?.os ?? "–", &html)
                cell(server.facts?.memoryFreeMB.map { "\($0) MB" } ?? "–", &html, className: "num")
                cell(server.facts?.diskFreeMB.map { "\($0) MB" } ?? "–", &html, className: "num")
                cell("\(used[server.name] ?? 0)" + (server.spec.map { " of \($0.capacity.ports.upper - $0.capacity.ports.lower + 1)" } ?? ""), &html, className: "num")
                html.raw("<td>\(DashboardTime.tag(server.lastSeenAt, now: context.now))</td></tr>")
            }
            html.raw("</tbody></table>")
        }
    }

    struct ServerDetail {
        var server: ServerRecord
        /// The ports each project holds on this server.
        var ports: [String: PortAllocation]
        var incidents: [IncidentRecord]
        var events: [EventRecord]
        var log: [JournalEntry]
    }

    static func server(_ detail: ServerDetail, _ context: DashboardContext) -> DashboardPage {
        let server = detail.server
        return layout(title: server.name, section: .servers, context) { html in
            html.raw("<h1>")
            html.text(server.name)
            badge(server.status.rawValue, &html)
            if server.conditions[Condition.suspended]?.status == .true { html.raw("<span class=\"badge warn\">suspended</span>") }
            html.raw("</h1><dl class=\"facts\">")
            fact("Status", &html) {
                $0.text(server.status.rawValue + (server.failCount > 0 ? " (\(server.failCount) failed checks in a row)" : ""))
            }
            if let spec = server.spec {
                fact("Address", &html) { $0.text("\(spec.address):\(spec.port), \(spec.connection.rawValue), user \(spec.user)") }
                fact("Capacity", &html) { $0.text("\(spec.capacity.memoryMB) MB, ports \(spec.capacity.ports.lower)–\(spec.capacity.ports.upper)") }
                if !spec.labels.isEmpty {
                    fact("Labels", &html) { $0.text(spec.labels.keys.sorted().map { "\($0)=\(spec.labels[$0]!)" }.joined(separator: ", ")) }
                }
            }
            if server.spec?.connection != .local {
                fact("Host key", &html) { html in
                    if let key = server.hostKey {
                        html.text("\(HostKey(key)?.type ?? "?") ")
                        html.element("code", "", HostKey.fingerprint(of: key))
                        html.text(server.spec?.hostKey != nil ? " (pinned in the manifest)" : " (trusted on first use)")
                    } else {
                        html.text("none yet")
                    }
                }
            }
            fact("Last seen", &html) {
                $0.raw(DashboardTime.tag(server.lastSeenAt, now: context.now) + ", last checked " + DashboardTime.tag(server.lastCheckedAt, now: context.now))
            }
            fact("Provisioned", &html) {
                $0.text(server.spec?.connection == .local ? "not needed (local connection)"
                    : server.provisionedHash.map { "inputs \($0.prefix(12))" } ?? "no")
            }
            if let facts = server.facts {
                fact("OS", &html) {
                    $0.text("\(facts.os ?? "–"), kernel \(facts.kernel ?? "–"), python \(facts.python ?? "–")" + (facts.hasSystemd ? ", systemd" : ", no systemd"))
                }
                fact("Memory", &html) {
                    $0.text("\(facts.memoryMB.map { "\($0) MB" } ?? "–")" + (facts.memoryFreeMB.map { ", \($0) MB available" } ?? ""))
                }
                fact("Disk free", &html) { $0.text("\(facts.diskFreeMB.map { "\($0) MB" } ?? "–") in \(facts.appsDirectory ?? "–")") }
            }
            html.raw("</dl>")

            let used = detail.ports.values.reduce(0) { $0 + $1.ports.count }
            html.raw("<h2 id=\"h-ports\">Projects and ports</h2><p>")
            if let range = server.spec?.capacity.ports {
                let count = range.upper - range.lower + 1
                html.text("\(used) of \(count) ports used, \(count - used) free (\(range.lower)–\(range.upper)).")
            } else {
                html.text("\(used) ports used.")
            }
            html.raw("</p><table aria-labelledby=\"h-ports\">")
            header(["Project", "Ports", "Deployed commit", "Strategy", "Deployed"], &html)
            html.raw("<tbody>")
            let projects = Set(detail.ports.keys).union(server.deployMarkers.keys).sorted()
            if projects.isEmpty { emptyRow(5, "No project on this server.", &html) }
            for project in projects {
                let marker = server.deployMarkers[project]
                html.raw("<tr><th scope=\"row\">")
                projectLink(project, &html)
                html.raw("</th>")
                cell(detail.ports[project].map { $0.ports.map(String.init).joined(separator: ", ") } ?? "–", &html)
                cell(marker.map { String($0.commit.prefix(12)) } ?? "–", &html, className: "mono")
                cell(marker.map { $0.strategy + ($0.slot.map { " slot \($0)" } ?? "") } ?? "–", &html)
                cell(marker?.time ?? "–", &html)
                html.raw("</tr>")
            }
            html.raw("</tbody></table>")
            html.raw("<h2 id=\"h-incidents\">Incidents</h2>")
            incidentTable(detail.incidents, labelledBy: "h-incidents", context, &html)
            conditionTable(server.conditions, context, &html)
            eventTable(detail.events, context, &html)
            liveLog(detail.log, follow: "server=\(HTML.query(server.name))", title: "Live log", context, &html)
        }
    }

    // MARK: Logs

    static func logs(_ lines: [JournalEntry], query: JournalQuery, _ context: DashboardContext) -> DashboardPage {
        layout(title: "Logs", section: .logs, context) { html in
            html.raw("<h1>Logs</h1>")
            html.raw("<form class=\"filters\" method=\"get\" action=\"/logs\" data-autosubmit aria-label=\"Filter the journal\">")
            html.raw("<label>Project<input name=\"project\" value=\"")
            html.text(query.project ?? "")
            html.raw("\"></label><label>Server<input name=\"server\" value=\"")
            html.text(query.server ?? "")
            html.raw("\"></label><label>Level<select name=\"level\"><option value=\"\">any</option>")
            for level in JournalEntry.Level.allCases {
                html.raw("<option value=\"\(level.rawValue)\"\(level == query.minimumLevel ? " selected" : "")>\(level.rawValue) and above</option>")
            }
            html.raw("</select></label><button type=\"submit\">Filter</button></form>")
            var follow: [String] = []
            if let project = query.project { follow.append("project=\(HTML.query(project))") }
            if let server = query.server { follow.append("server=\(HTML.query(server))") }
            if let level = query.minimumLevel { follow.append("level=\(level.rawValue)") }
            liveLog(lines, follow: follow.joined(separator: "&"), title: "Journal", context, &html)
        }
    }
}
