import Foundation

/// A fake GitHub REST API on 127.0.0.1 (a free port), for tests that drive a real HTTP client.
///
/// It serves GitHub's documented shapes for organization/user repository listings (pagination with
/// `link` headers), repositories by name and by id (a renamed repository's old name answers 301),
/// repository creation (422 on a taken name), GitHub App installation tokens and `/rate_limit`; it sends
/// ETags and answers `If-None-Match` with 304 (free of quota when authenticated), keeps a primary rate
/// limit with GitHub's headers, can return a secondary rate limit, and injects faults (error statuses,
/// slow answers, dropped connections, broken or ill-typed bodies). Every request is logged without its
/// credential. Tests change the state through this object while clients talk to it over HTTP/1.1.
///
/// `@unchecked Sendable`: all state lives in a `FakeGitHubStateBox` behind one lock; the listener threads
/// and the test's calls both go through it.
public final class FakeGitHubServer: @unchecked Sendable {
    /// The port the kernel chose.
    public let port: UInt16
    /// `http://127.0.0.1:<port>`: the API base URL (what `forge.apiURL` or `STEWARD_GITHUB_API_URL` takes).
    public let baseURL: URL

    let state: FakeGitHubStateBox
    private let listener: LoopbackHTTPServer

    /// Binds 127.0.0.1 on a free port and starts serving.
    /// - Throws: `FakeGitHubServerError` if the socket cannot be set up.
    public init(configuration: Configuration = Configuration()) throws {
        let state = FakeGitHubStateBox(configuration: configuration)
        listener = try LoopbackHTTPServer { request in
            if let reply = FakeGitSmartHTTP.handle(request, state: state) { return reply }
            return state.withWorld { $0.respond(to: request, now: Date()) }
        }
        port = listener.port
        baseURL = URL(string: "http://127.0.0.1:\(listener.port)")!
        let api = baseURL.absoluteString
        var configuration = configuration
        // Serving git: clone URLs point at this server.
        if configuration.gitDirectory != nil { configuration.webBaseURL = api }
        state.withWorld { world in
            world.configuration = configuration
            world.shapes = FakeGitHubShapes(api: api, web: configuration.webBaseURL)
            world.renderCache.removeAll()
        }
        self.state = state
        listener.start()
    }

    deinit {
        listener.stop()
    }

    /// Closes the listener and every connection (interrupting delayed answers) and waits for the threads.
    /// Idempotent; `deinit` calls it.
    public func stop() {
        listener.stop()
    }

    /// `baseURL` + `path` (which may carry a query), e.g. `url("/orgs/acme/repos?per_page=100")`.
    public func url(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + (path.hasPrefix("/") ? path : "/" + path))!
    }

    /// TCP connections open right now.
    public var openConnectionCount: Int { listener.openConnectionCount }

    /// The configuration; changes apply to the next request (the rate limit's size through `setRateLimit`).
    public var configuration: Configuration {
        get { state.withWorld { $0.configuration } }
        set {
            state.withWorld { $0.reconfigure(newValue) }
        }
    }

    // MARK: - Rate limits

    /// The primary (`core`) rate limit as the next answer would report it.
    public var rateLimit: FakeGitHubRateLimit {
        state.withWorld { world in
            world.refreshQuota(now: Date())
            return world.quota
        }
    }

    /// Sets the primary rate limit, e.g. `remaining: 2` to reach exhaustion in two requests.
    /// - Parameters:
    ///   - remaining: requests left in this window (clamped to `0...limit`).
    ///   - limit: the window's size; unchanged when nil.
    ///   - reset: when the window ends; unchanged when nil.
    public func setRateLimit(remaining: Int, limit: Int? = nil, reset: Date? = nil) {
        state.withWorld { world in
            if let limit { world.quota.limit = limit }
            if let reset { world.quota.reset = FakeGitHubWorld.wholeSecond(reset) }
            world.quota.remaining = min(max(0, remaining), world.quota.limit)
        }
    }

    /// The next `requests` requests (of any kind) get GitHub's secondary-rate-limit answer: 403 (or 429)
    /// with `retry-after` and "You have exceeded a secondary rate limit"; they cost no primary quota.
    public func triggerSecondaryRateLimit(requests: Int = 1, retryAfter: Int = 60, status: Int = 403) {
        state.withWorld { $0.secondaryLimit = (max(0, requests), retryAfter, status) }
    }

    // MARK: - Faults

    /// Makes the next `times` requests that match (method and path prefix, when given) show `fault`.
    /// Faults apply in the order injected; each request meets at most one.
    public func inject(_ fault: FakeGitHubFault, times: Int = 1, method: String? = nil, pathPrefix: String? = nil) {
        guard times > 0 else { return }
        state.withWorld {
            $0.faultRules.append(FakeGitHubFaultRule(fault: fault, remaining: times, method: method?.uppercased(), pathPrefix: pathPrefix))
        }
    }

    /// Drops every pending fault.
    public func clearFaults() {
        state.withWorld { $0.faultRules.removeAll() }
    }

    /// How many injected fault answers are still to come.
    public var pendingFaultCount: Int {
        state.withWorld { $0.faultRules.reduce(0) { $0 + $1.remaining } }
    }

    // MARK: - Request log

    /// Every request since start (or the last `resetLog()`), oldest first.
    public var requests: [FakeGitHubRequest] { state.withWorld { $0.log } }

    /// The logged requests for which `predicate` holds.
    public func requests(matching predicate: (FakeGitHubRequest) -> Bool) -> [FakeGitHubRequest] {
        state.withWorld { $0.log.filter(predicate) }
    }

    /// Empties the request log (state, quota and faults stay).
    public func resetLog() {
        state.withWorld { $0.log.removeAll() }
    }

    /// Logged requests answered 304 Not Modified.
    public var notModifiedCount: Int { state.withWorld { $0.log.filter { $0.status == 304 }.count } }

    /// Logged requests that cost primary quota.
    public var countedRequestCount: Int { state.withWorld { $0.log.filter(\.countedAgainstRateLimit).count } }

    // MARK: - GitHub App

    /// How many installation tokens were issued and are still valid.
    public var validInstallationTokenCount: Int {
        let now = Date()
        return state.withWorld { $0.installationTokens.values.filter { $0.expiresAt > now }.count }
    }

    /// Makes every issued installation token expire now (requests with one get 401).
    public func expireInstallationTokens() {
        let now = Date()
        state.withWorld { world in
            for token in world.installationTokens.keys { world.installationTokens[token]?.expiresAt = now }
        }
    }

    /// A JWT of the shape GitHub expects from an App (`alg` RS256; `iat`, `exp`, `iss` claims) whose
    /// signature is filler: the fake does not verify signatures, so tests of the fake need no key.
    public static func unsignedAppJWT(appID: Int64, issuedAt: Date = Date().addingTimeInterval(-60), expiresAt: Date = Date().addingTimeInterval(540)) -> String {
        func segment(_ json: String) -> String {
            Data(json.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let iat = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let exp = Int64(expiresAt.timeIntervalSince1970.rounded(.down))
        return segment(#"{"alg":"RS256","typ":"JWT"}"#) + "." + segment(#"{"iat":\#(iat),"exp":\#(exp),"iss":\#(appID)}"#)
            + "." + segment("not a real RS256 signature")
    }
}

/// The fake's state behind its lock, shared by the listener threads and `FakeGitHubServer`.
///
/// `@unchecked Sendable`: `world` is read and written only inside `withWorld`, under `lock`. `NSLock`
/// rather than `Mutex` because the package still declares macOS 14.
final class FakeGitHubStateBox: @unchecked Sendable {
    private let lock = NSLock()
    private var world: FakeGitHubWorld

    init(configuration: FakeGitHubServer.Configuration) {
        world = FakeGitHubWorld(configuration: configuration, apiBase: "", now: Date())
    }

    func withWorld<T>(_ body: (inout FakeGitHubWorld) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&world)
    }
}
