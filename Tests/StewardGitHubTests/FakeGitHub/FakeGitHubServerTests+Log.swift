import Foundation
import StewardTestSupport
import Testing

extension FakeGitHubServerTests {
    @Test func requestLogRecordsEachRequestWithoutTheCredential() async throws {
        try server.seed(org: "acme", count: 3)
        let first = try await Curl.get(server.url("/orgs/acme/repos?per_page=100&type=all"), token: token)
        let etag = try #require(first.header("etag"))
        _ = try await Curl.get(server.url("/orgs/acme/repos?per_page=100&type=all"), token: nil, headers: ["Authorization: token \(token)", "If-None-Match: \(etag)"])
        _ = try await Curl.get(server.url("/repositories/1001"), token: nil)

        let log = server.requests
        #expect(log.count == 3)
        #expect(log.map(\.method) == ["GET", "GET", "GET"])
        #expect(log.map(\.path) == ["/orgs/acme/repos", "/orgs/acme/repos", "/repositories/1001"])
        #expect(log[0].queryItems == [URLQueryItem(name: "per_page", value: "100"), URLQueryItem(name: "type", value: "all")])
        #expect(log[0].query("per_page") == "100")
        #expect(log[0].pathAndQuery == "/orgs/acme/repos?per_page=100&type=all")
        #expect(log.map(\.hadAuthorization) == [true, true, false])
        #expect(log.map(\.authorizationScheme) == ["Bearer", "token", nil])
        #expect(log.map(\.ifNoneMatch) == [nil, etag, nil])
        #expect(log.map(\.status) == [200, 304, 401])
        #expect(log.map(\.etag) == [etag, etag, nil])
        #expect(log.map(\.countedAgainstRateLimit) == [true, false, false])
        #expect(log.map(\.rateLimitRemaining) == [4999, 4999, 4999])
        #expect(log.allSatisfy { abs($0.date.timeIntervalSinceNow) < 60 })
        #expect(!String(describing: log).contains(token))

        #expect(server.requests(matching: { $0.status == 304 }).count == 1)
        #expect(server.notModifiedCount == 1)
        #expect(server.countedRequestCount == 1)
        server.resetLog()
        #expect(server.requests.isEmpty)
        #expect(server.rateLimit.remaining == 4999)
    }

    @Test func keepAliveReusesOneConnection() async throws {
        try server.seed(org: "acme", count: 2)
        // One curl process, three URLs: curl reuses the connection when the server keeps it open.
        let result = try await Curl.run([
            "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\\n",
            "-H", "Authorization: Bearer \(token)",
            server.url("/repositories/1000").absoluteString,
            server.url("/repositories/1001").absoluteString,
            server.url("/orgs/acme/repos").absoluteString,
        ])
        #expect(result.exitCode == 0)
        #expect(result.text.split(separator: "\n") == ["200 1", "200 0", "200 0"])
        let connections = Set(server.requests.map(\.connectionID))
        #expect(connections.count == 1)
    }

    @Test func seedsAThousandRepositoriesAndListsThemInTenPages() async throws {
        let seeded = try server.seed(org: "acme", count: 1_000)
        #expect(seeded.count == 1_000)
        #expect(seeded.first?.id == 1000 && seeded.last?.id == 1999)

        // First sync: follow `link` rel="next" from the first page.
        var next: URL? = server.url("/orgs/acme/repos?per_page=100")
        var pages: [(url: URL, etag: String)] = []
        var ids: [Int64] = []
        while let url = next {
            let page = try await Curl.get(url, token: token)
            #expect(page.status == 200)
            ids += page.array?.compactMap { $0["id"] as? Int64 } ?? []
            pages.append((url, page.header("etag") ?? ""))
            next = page.links["next"].flatMap(URL.init(string:))
        }
        #expect(pages.count == 10)
        #expect(Set(ids).count == 1_000)

        // Second sync with nothing changed: ten conditional requests, all 304, no quota spent.
        server.resetLog()
        for page in pages {
            #expect(try await Curl.get(page.url, token: token, headers: ["If-None-Match: \(page.etag)"]).status == 304)
        }
        #expect(server.requests.count == 10)
        #expect(server.notModifiedCount == 10)
        #expect(server.countedRequestCount == 0)
        #expect(server.rateLimit.remaining == 5000 - 10)
    }

    @Test func stopClosesTheListenerAndOpenConnections() async throws {
        let doomed = try FakeGitHubServer()
        try doomed.addRepository(owner: "acme", name: "app")
        let url = doomed.url("/repos/acme/app")
        #expect(try await Curl.get(url, token: doomed.configuration.token).status == 200)

        // A slow answer in flight is cut short by stop(): the client gets no answer at all, where without stop()
        // it would wait out its own limit (curl's exit code 28).
        doomed.inject(.delay(3600))
        let client = Task { try await Curl.get(url, token: doomed.configuration.token, maxTime: Patience.seconds()) }
        try await waitUntil("the slow request to reach the fake") { doomed.requests.count >= 2 }
        #expect(doomed.openConnectionCount == 1)
        doomed.stop()
        #expect(doomed.openConnectionCount == 0)
        let cut = try await client.value
        #expect(cut.exitCode != 0 && cut.exitCode != 28, "curl exited \(cut.exitCode): \(cut.stderr)")
        #expect(try await Curl.get(url, token: doomed.configuration.token).exitCode == 7)
        doomed.stop()
    }

    @Test func releasingTheServerStopsIt() async throws {
        var url: URL?
        do {
            let shortLived = try FakeGitHubServer()
            url = shortLived.url("/rate_limit")
            #expect(try await Curl.get(shortLived.url("/rate_limit"), token: shortLived.configuration.token).status == 200)
        }
        #expect(try await Curl.get(try #require(url), token: nil).exitCode == 7)
    }

    @Test func servesAThousandKeepAliveRequestsOnOneConnection() async throws {
        try server.seed(org: "acme", count: 1_000)
        let count = 1_000
        // curl's URL globbing: 1,000 GETs of full repositories over one kept-alive connection.
        let result = try await Curl.run([
            "-o", "/dev/null", "-w", "%{http_code}\\n", "-H", "Authorization: Bearer \(token)",
            server.baseURL.absoluteString + "/repositories/[1000-\(999 + count)]",
        ], maxTime: Patience.seconds())
        #expect(result.exitCode == 0)
        #expect(result.text.split(separator: "\n").filter { $0 == "200" }.count == count)
        #expect(Set(server.requests.map(\.connectionID)).count == 1)
    }
}
