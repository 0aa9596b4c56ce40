import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import StewardCore
import StewardModel

/// The HTTP server of `steward run` (docs/ARCHITECTURE.md §10) on Hummingbird: `/healthz`, `/readyz`, `/metrics`,
/// `POST /hooks/github` and the read-only API under `/api/v1`. One port; the routes only read the store and enqueue keys, never act themselves.
public struct ControllerHTTPServer: Sendable {
    public struct Options: Sendable {
        public var address: ListenAddress
        /// The bearer token `/metrics` requires; nil leaves it open (allowed on a loopback address only).
        public var token: String?
        /// The GitHub webhook secret; nil answers `/hooks/github` with 503.
        public var webhookSecret: String?
        /// `owner/name` of the config repo and its branch: a push there fetches it.
        public var configRepository: String?
        public var configBranch: String
        /// Largest request body accepted (GitHub's limit for a delivery is 25 MiB).
        public var maxBodyBytes = 25 << 20
        /// A connection idle this long (between requests, or sending one) is closed.
        public var idleTimeout: Duration = .seconds(60)
        /// Webhook delivery ids remembered (redeliveries of older ones are acted on again).
        public var rememberedDeliveries = 10_000
        /// Steward's version, in the dashboard's footer.
        public var version = "dev"

        public init(address: ListenAddress, configBranch: String) {
            self.address = address
            self.configBranch = configBranch
        }
    }

    public let options: Options
    public let controller: Controller
    /// Counts and webhook deliveries (the controller's own connection).
    public let store: any SurfaceStore
    /// What `/api/v1` reads: a read-only connection of its own, so API reads never queue behind the controller's writes.
    public let apiStore: any APIStore
    public let metrics: StewardMetrics
    public let logger: Logger
    /// `GET /api/v1/projects`, encoded per row version.
    let projectList = VersionedProjectCache<Data> { try APIJSON.encoder.encode($0) }
    /// The dashboard's project table, per row version.
    let projectRows = VersionedProjectCache<ProjectRow> { ProjectRow($0) }
    /// A project's agent thread (its status and pending question); nil shows none.
    public var agentThreads: AgentThreadReader?

    public init(
        options: Options, controller: Controller, store: any SurfaceStore, apiStore: any APIStore, metrics: StewardMetrics,
        logger: Logger
    ) {
        self.options = options
        self.controller = controller
        self.store = store
        self.apiStore = apiStore
        self.metrics = metrics
        self.logger = logger
    }

    /// The server as a service of the controller's `ServiceGroup`; `onListening` gets the bound address (port 0
    /// becomes the port the system chose).
    public func application(onListening: @escaping @Sendable (ListenAddress) async -> Void = { _ in }) -> some ApplicationProtocol {
        let address = options.address
        return Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(options.idleTimeout.components.seconds)))),
            configuration: ApplicationConfiguration(
                address: .hostname(address.host, port: address.port), serverName: "steward",
                availableConnectionsDelegate: MaximumAvailableConnections(256)),
            onServerRunning: { [projectRows, apiStore] channel in
                await onListening(ListenAddress(host: address.host, port: channel.localAddress?.port ?? address.port))
                // The dashboard's project table, read once now: the first person to open it does not wait for
                // every record to be decoded (10,000 projects: about 300 ms).
                Task { _ = try? await projectRows.values(from: apiStore) }
            },
            logger: logger)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessLog(logger: logger))
        router.add(middleware: ReadOnlyAPI())
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ -> Response in
            guard controller.isReady else { return Self.text(.serviceUnavailable, "not ready: the first config poll has not finished\n") }
            do {
                _ = try await store.objectCounts()
            } catch {
                return Self.text(.serviceUnavailable, "not ready: the store cannot be read: \(error)\n")
            }
            return Self.text(.ok, "ready\n")
        }
        router.get("/metrics") { request, _ -> Response in
            if let refusal = authorize(request) { return refusal }
            let counts = try? await store.objectCounts()
            let body = metrics.render(queue: controller.queue.load(), counts: counts)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.post("/hooks/github") { request, _ -> Response in
            await githubDelivery(request)
        }
        addAPI(to: router)
        addDashboard(to: router)
        return router
    }

    /// `/metrics`, `/api/v1` and the dashboard with a token configured: `Authorization: Bearer TOKEN`, or the
    /// dashboard's session cookie, compared in constant time.
    func authorize(_ request: Request) -> Response? {
        guard let token = options.token else { return nil }
        if Self.constantTimeEqual(request.headers[.authorization] ?? "", "Bearer \(token)") { return nil }
        // A browser signed in through the dashboard's /login (its EventSource cannot send a header).
        if let session = Self.sessionCookie(in: request), Self.constantTimeEqual(session, Self.session(for: token)) { return nil }
        var response = Self.text(.unauthorized, "a bearer token is required (http.tokenFile)\n")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    static let deliveryHeader = HTTPField.Name("X-GitHub-Delivery")!
    static let eventHeader = HTTPField.Name("X-GitHub-Event")!
    static let signatureHeader = HTTPField.Name("X-Hub-Signature-256")!

    /// `POST /hooks/github`: 503 without a secret, 415 not JSON, 413 over the size limit, 401 unsigned or wrongly
    /// signed, 400 malformed, 200 for a ping, 202 for the rest (a redelivery and an ignored event included, each with a journal
    /// line).
    private func githubDelivery(_ request: Request) async -> Response {
        let event = request.headers[Self.eventHeader] ?? "-"
        func refuse(_ status: HTTPResponse.Status, _ result: String, _ why: String) -> Response {
            metrics.webhookDelivery(event: event, result: result)
            logger.warning("webhook refused (\(status.code)): \(why)", metadata: [
                "action": "webhook", "event": "\(event)", "delivery": "\(request.headers[Self.deliveryHeader] ?? "-")",
            ])
            return Self.text(status, why + "\n")
        }
        guard let secret = options.webhookSecret.map({ SymmetricKey(data: Data($0.utf8)) }) else {
            return refuse(.serviceUnavailable, "unconfigured", "no webhook secret: set webhooks.github.secretEnv or secretFile in steward.yaml")
        }
        // GitHub also offers form-encoded deliveries (`payload=…`); only JSON is read.
        let contentType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard contentType == "application/json" else {
            return refuse(.unsupportedMediaType, "unsupported_media_type",
                "content type \(contentType ?? "none") is not application/json: set the webhook's content type to application/json")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > options.maxBodyBytes {
            return refuse(.contentTooLarge, "too_large", "the body is over \(options.maxBodyBytes) bytes")
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: options.maxBodyBytes)
        } catch {
            return refuse(.contentTooLarge, "too_large", "the body is over \(options.maxBodyBytes) bytes")
        }
        let bytes = Data(body.readableBytesView)
        let action: GitHubWebhook.Action
        do {
            try GitHubWebhook.verify(signature: request.headers[Self.signatureHeader], body: bytes, secret: secret)
            action = try GitHubWebhook.route(event: request.headers[Self.eventHeader], body: bytes, targets: targets)
        } catch {
            switch error {
            case .unauthorized(let why): return refuse(.unauthorized, "unauthorized", why)
            case .malformed(let why): return refuse(.badRequest, "malformed", why)
            }
        }
        let delivery = request.headers[Self.deliveryHeader]
        var metadata: Logger.Metadata = ["action": "webhook", "event": "\(event)", "delivery": "\(delivery ?? "-")"]
        if let delivery, action != .pong {
            do {
                guard try await store.rememberDelivery(delivery, event: event, at: Date(), keep: options.rememberedDeliveries) else {
                    metrics.webhookDelivery(event: event, result: "duplicate")
                    logger.info("webhook \(event) \(delivery) delivered before; nothing new enqueued", metadata: metadata)
                    return Self.text(.accepted, "duplicate delivery\n")
                }
            } catch {
                // Unremembered, it still acts: a second delivery then enqueues the same keys once more (idempotent).
                logger.warning("webhook delivery \(delivery) not remembered: \(error)", metadata: metadata)
            }
        }
        switch action {
        case .pong:
            metrics.webhookDelivery(event: event, result: "accepted")
            logger.info("webhook ping answered", metadata: metadata)
            return Self.text(.ok, "pong\n")
        case .fetchConfig:
            controller.fetchNow()
            logger.info("webhook push to the config repo: fetching it now", metadata: metadata)
        case .reconcile(let projects):
            controller.reconcileNow(projects: projects)
            metadata["projects"] = "\(projects.joined(separator: ","))"
            logger.info("webhook push: reconciling \(projects.count) project\(projects.count == 1 ? "" : "s")", metadata: metadata)
        case .syncForge:
            controller.syncForgeNow()
            logger.info("webhook repository event: forge sync now", metadata: metadata)
        case .ignored(let why):
            metrics.webhookDelivery(event: event, result: "ignored")
            logger.info("webhook \(event) ignored: \(why)", metadata: metadata)
            return Self.text(.accepted, "ignored: \(why)\n")
        }
        metrics.webhookDelivery(event: event, result: "accepted")
        return Self.text(.accepted, "accepted\n")
    }

    private var targets: GitHubWebhook.Targets {
        GitHubWebhook.Targets(configRepository: options.configRepository, configBranch: options.configBranch) { [controller] repository, ref in
            controller.projects(deploying: repository, at: ref)
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// `/api/v1` is read-only: any method but GET is answered 405 with `Allow: GET` (a router-level middleware, so it also
/// wraps the router's 404 for a known path asked with another method).
struct ReadOnlyAPI: RouterMiddleware {
    typealias Context = BasicRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method != .get, request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        var response = APIError.methodNotAllowed("the API is read-only: \(request.method) is not allowed, only GET").response
        response.headers[.allow] = "GET"
        return response
    }
}

/// One debug line per request (method, path without query, status, duration): into the journal when the controller
/// logs at debug level.
struct AccessLog: RouterMiddleware {
    typealias Context = BasicRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var status = 500
        defer {
            let duration = ContinuousClock.now - started
            logger.debug("http \(request.method) \(request.uri.path) \(status)", metadata: [
                "action": "http_request", "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)",
                "duration_ms": "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)",
            ])
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
