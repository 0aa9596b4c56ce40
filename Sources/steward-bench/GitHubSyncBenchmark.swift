import Foundation
import Logging
import StewardCore
import StewardGitHub
import StewardHTTP
import StewardStore
import StewardTestSupport

/// github_sync on an organization of N repositories served by the fake GitHub on loopback, through the
/// real libcurl client into a real SQLite store: request counts from the fake's log, wall times.
struct GitHubSyncBenchmark {
    var repositories: Int

    func run() async throws {
        let server = try FakeGitHubServer()
        _ = server.addOrganization("acme")
        _ = try server.seed(org: "acme", count: repositories)
        let state = try TemporaryDirectory(prefix: "steward-bench-github")
        let client = try HTTPClient()
        let token = server.configuration.token
        let forge = GitHubForge(client: client, apiURL: server.baseURL,
                                credentials: GitHubTokenCredentials(source: .environment("T"), environment: { _ in token }))
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        func sync() async throws -> (ForgeSyncReport, Duration) {
            let start = ContinuousClock.now
            let store = try SQLStateStore(stateDirectory: state.url)
            let report = try await ForgeSync(forge: forge, store: store, logger: logger).sync(owner: "acme")
            return (report, ContinuousClock.now - start)
        }
        print("github_sync: an organization of \(repositories) repositories on the fake GitHub (loopback)")
        let quotaBefore = server.rateLimit.remaining
        let (first, firstTime) = try await sync()
        let listRequests = server.requests(matching: { $0.path == "/orgs/acme/repos" })
        print("first sync: \(listRequests.count) list requests, \(first.discovered.count) projects discovered and stored, "
            + "quota spent \(quotaBefore - server.rateLimit.remaining), \(ms(firstTime))")
        server.resetLog()
        let quotaAfterFirst = server.rateLimit.remaining
        var times: [Duration] = []
        var second = first
        for _ in 0..<5 {
            let (report, time) = try await sync()
            second = report
            times.append(time)
        }
        let log = server.requests
        let conditional = log.filter { $0.ifNoneMatch != nil }.count
        print("unchanged sync (5 runs): \(log.count / 5) requests each, \(conditional / 5) conditional, "
            + "\(server.notModifiedCount / 5) answered 304, pages not modified \(second.notModifiedPages)/\(second.pages), "
            + "quota spent \(quotaAfterFirst - server.rateLimit.remaining), median \(ms(median(times)))")
        server.stop()
    }
}
