import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import StewardCore
import StewardModel

/// A project's agent thread as the dashboard shows it (read from the graph's checkpoints by the CLI's wiring).
public struct AgentThreadSummary: Sendable, Hashable {
    public var thread: String
    /// `running`, `interrupted at NODE`, `blocked: WHY`, `failed: WHY` or `completed`.
    public var status: String
    /// The question the thread waits on, if any.
    public var question: String?
    public var step: Int
    public var outcome: String

    public init(thread: String, status: String, question: String?, step: Int, outcome: String) {
        self.thread = thread
        self.status = status
        self.question = question
        self.step = step
        self.outcome = outcome
    }
}

/// Reads a project's thread for its generation; nil when it has none.
public typealias AgentThreadReader = @Sendable (_ project: String, _ generation: Int64) async throws -> AgentThreadSummary?

/// The dashboard (docs/ARCHITECTURE.md §10): server-rendered, read-only pages beside the API, under the same
/// token; a browser signs in once through `/login`, which sets a cookie derived from the token.
extension ControllerHTTPServer {
    static let sessionCookie = "steward_session"

    func addDashboard(to router: Router<BasicRequestContext>) {
        router.get("/ui/steward.css") { _, _ in Self.asset(DashboardAssets.stylesheet, type: "text/css; charset=utf-8") }
        router.get("/ui/steward.js") { _, _ in Self.asset(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/login") { request, _ in
            options.token == nil ? Self.redirect(to: "/") : Self.page(.ok, DashboardPages.login(next: Self.next(request), error: nil))
        }
        router.post("/login") { request, _ in await login(request) }
        router.post("/logout") { _, _ in
            var response = Self.redirect(to: options.token == nil ? "/" : "/login")
            response.headers[.setCookie] = "\(Self.sessionCookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
            return response
        }
        router.get("/") { request, _ in try await page(request) { try await overview($0) } }
        router.get("/projects") { request, _ in try await page(request) { try await projectList(request, $0) } }
        router.get("/projects/:name") { request, context in
            try await page(request) { try await projectPage(try context.parameters.require("name"), $0) }
        }
        router.get("/servers") { request, _ in try await page(request) { try await serverList($0) } }
        router.get("/servers/:name") { request, context in
            try await page(request) { try await serverPage(try context.parameters.require("name"), $0) }
        }
        router.get("/incidents") { request, _ in try await page(request) { try await incidentList(request, $0) } }
        router.get("/logs") { request, _ in try await page(request) { try await logPage(request, $0) } }
    }

    // MARK: Pages

    private func overview(_ context: DashboardContext) async throws -> DashboardPage {
        let counts = try await apiStore.objectCounts()
        let rows = try await projectRows.values(from: apiStore)
        let health = try await apiStore.healthChecks()
        let overview = DashboardPages.Overview(
            counts: counts, projects: rows.count,
            healthy: health.count { $0.lastStatus == .healthy }, unhealthy: health.count { $0.lastStatus == .unhealthy },
            waiting: rows.filter { $0.engineering == .blocked }.map(\.name),
            servers: try await apiStore.servers(), incidents: try await apiStore.incidents(openOnly: true),
            recent: controller.recentReconciles(), controller: controller.status())
        return DashboardPages.overview(overview, context)
    }

    private func projectList(_ request: Request, _ context: DashboardContext) async throws -> DashboardPage {
        let query = request.uri.queryParameters
        var filter = DashboardPages.ProjectFilter(
            phase: query.get("phase").flatMap { $0.isEmpty ? nil : $0 }, label: query.get("label").flatMap { $0.isEmpty ? nil : $0 },
            search: query.get("q").flatMap { $0.isEmpty ? nil : $0 })
        filter.page = max(1, query.get("page").flatMap(Int.init) ?? 1)
        filter.perPage = min(500, max(10, query.get("per").flatMap(Int.init) ?? 100))
        var rows = try await projectRows.values(from: apiStore)
        if let phase = filter.phase { rows.removeAll { $0.phase.rawValue != phase } }
        if let label = filter.label {
            let (key, value) = Self.labelSelector(label)
            var labels: [String: [String: String]] = [:]
            for project in controller.loaded?.desired.projects ?? [] { labels[project.name] = project.metadata.labels }
            rows.removeAll { row in
                guard let own = labels[row.name]?[key] else { return true }
                return value.map { $0 != own } ?? false
            }
        }
        if let search = filter.search?.lowercased() {
            rows.removeAll { !$0.name.contains(search) && !($0.repo?.lowercased().contains(search) ?? false) }
        }
        let pages = max(1, (rows.count + filter.perPage - 1) / filter.perPage)
        filter.page = min(filter.page, pages)
        let shown = Array(rows.dropFirst((filter.page - 1) * filter.perPage).prefix(filter.perPage))
        var health: [String: HealthCheckRecord] = [:]
        for row in shown { health[row.name] = try await apiStore.healthCheck(project: row.name) }
        let phases = try await apiStore.objectCounts().projectsByPhase
        return DashboardPages.projects(
            DashboardPages.ProjectTable(rows: shown, matching: rows.count, pages: pages, health: health, phases: phases),
            filter: filter, context)
    }

    private func projectPage(_ name: String, _ context: DashboardContext) async throws -> DashboardPage {
        guard let project = try await apiStore.project(named: name) else {
            return DashboardPages.notFound("No project named \(name)", context)
        }
        let thread = try await agentThreads?(name, project.generation)
        let labels = controller.loaded?.desired.projects.first { $0.name == name }?.metadata.labels ?? [:]
        let detail = DashboardPages.ProjectDetail(
            project: project, labels: labels, health: try await apiStore.healthCheck(project: name), thread: thread,
            runs: try await apiStore.runs(project: name, limit: 20),
            events: try await apiStore.events(objectKind: "Project", objectName: name, limit: 50),
            incidents: try await apiStore.incidents(openOnly: false).filter { $0.objectKind == "Project" && $0.objectName == name },
            log: try await apiStore.journalTail(matching: JournalQuery(project: name), limit: 200))
        return DashboardPages.project(detail, context)
    }

    private func serverList(_ context: DashboardContext) async throws -> DashboardPage {
        DashboardPages.servers(try await apiStore.servers(), ports: try await apiStore.portAllocations(), context)
    }

    private func serverPage(_ name: String, _ context: DashboardContext) async throws -> DashboardPage {
        guard let server = try await apiStore.server(named: name) else {
            return DashboardPages.notFound("No server named \(name)", context)
        }
        let detail = DashboardPages.ServerDetail(
            server: server, ports: try await apiStore.portAllocations().filter { $0.value.server == name },
            incidents: try await apiStore.incidents(openOnly: false).filter { $0.objectKind == "Server" && $0.objectName == name },
            events: try await apiStore.events(objectKind: "Server", objectName: name, limit: 50),
            log: try await apiStore.journalTail(matching: JournalQuery(server: name), limit: 100))
        return DashboardPages.server(detail, context)
    }

    private func incidentList(_ request: Request, _ context: DashboardContext) async throws -> DashboardPage {
        let status = request.uri.queryParameters.get("status").flatMap { $0.isEmpty ? nil : $0 } ?? "open"
        let all = try await apiStore.incidents(openOnly: status == "open")
        let shown = status == "open" || status == "all" ? all : all.filter { $0.status.rawValue == status }
        return DashboardPages.incidents(shown, status: status, context)
    }

    private func logPage(_ request: Request, _ context: DashboardContext) async throws -> DashboardPage {
        let parameters = request.uri.queryParameters
        func value(_ name: String) -> String? { parameters.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        let level = value("level").flatMap(JournalEntry.Level.init(rawValue:))
        let query = JournalQuery(project: value("project"), server: value("server"), minimumLevel: level)
        let lines = try await apiStore.journalTail(matching: query, limit: 500)
        return DashboardPages.logs(lines, query: query, context)
    }

    // MARK: Plumbing

    /// Authorizes (a bearer token or the session cookie), renders, and answers with the page's status and headers.
    private func page(_ request: Request, _ render: (DashboardContext) async throws -> DashboardPage) async throws -> Response {
        if options.token != nil, authorize(request) != nil {
            return Self.page(.unauthorized, DashboardPages.login(next: request.uri.path, error: nil))
        }
        let context = DashboardContext(now: Date(), commit: controller.loaded?.revision.commit, version: options.version)
        do {
            let page = try await render(context)
            return Self.page(page.status, page.html)
        } catch {
            logger.warning("dashboard page \(request.uri.path) failed: \(error)", metadata: ["action": "http_request"])
            return Self.page(.internalServerError, DashboardPages.failure("\(error)", context).html)
        }
    }

    /// `POST /login` (`token=…&next=/path`, form-encoded): a right token sets the session cookie and redirects to `next`.
    private func login(_ request: Request) async -> Response {
        guard let token = options.token else { return Self.redirect(to: "/") }
        let body = (try? await request.body.collect(upTo: 8192)).map { String(buffer: $0) } ?? ""
        var form: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        let next = Self.safeNext(form["next"])
        guard let given = form["token"], Self.constantTimeEqual(given, token) else {
            logger.warning("dashboard sign-in refused: wrong token", metadata: ["action": "http_request"])
            return Self.page(.unauthorized, DashboardPages.login(next: next, error: "That token is not the one in http.tokenFile."))
        }
        var response = Self.redirect(to: next)
        response.headers[.setCookie] = "\(Self.sessionCookie)=\(Self.session(for: token)); Path=/; HttpOnly; SameSite=Strict"
        return response
    }

    /// The cookie's value: an HMAC of a fixed text under the token, so the token itself never sits in a browser.
    static func session(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("steward dashboard session v1".utf8), using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    /// The session cookie's value in the request, if any.
    static func sessionCookie(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0] == sessionCookie { return String(parts[1]) }
            }
        }
        return nil
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0
    }

    private static func next(_ request: Request) -> String { safeNext(request.uri.queryParameters.get("next")) }

    /// Only a path of this server: never `//host` or a URL elsewhere (no open redirect).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.unicodeScalars.contains(where: { $0.value < 0x20 })
        else { return "/" }
        return next
    }

    /// `key=value` or `key` (any value).
    static func labelSelector(_ text: String) -> (key: String, value: String?) {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    static func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "public, max-age=31536000, immutable", .xContentTypeOptions: "nosniff"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static func redirect(to location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }
}

/// What every page shows in its header and footer.
struct DashboardContext: Sendable {
    var now: Date
    var commit: String?
    var version: String
}

/// A rendered page and its status.
struct DashboardPage {
    var status: HTTPResponse.Status = .ok
    var html: String
}
