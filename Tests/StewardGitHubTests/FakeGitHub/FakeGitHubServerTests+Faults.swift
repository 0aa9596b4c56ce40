import Foundation
import StewardTestSupport
import Testing

extension FakeGitHubServerTests {
    @Test(arguments: [500, 502, 503])
    func injectedServerErrorWithGitHubsJSON(status: Int) async throws {
        try server.addRepository(owner: "acme", name: "app")
        server.inject(.status(status))
        let failed = try await Curl.get(server.url("/repos/acme/app"), token: token)
        #expect(failed.status == status)
        #expect(failed.object?["message"] is String)
        #expect(failed.header("x-ratelimit-remaining") == "5000")
        // Only the next request was hit.
        #expect(try await Curl.get(server.url("/repos/acme/app"), token: token).status == 200)
        #expect(server.requests.map(\.fault) == [.status(status), nil])
    }

    @Test func injectedHTMLPagesWithAndWithoutAnErrorStatus() async throws {
        try server.addRepository(owner: "acme", name: "app")
        server.inject(.status(502, body: .html))
        server.inject(.status(200, body: .html))
        for expected in [502, 200] {
            let page = try await Curl.get(server.url("/repos/acme/app"), token: token)
            #expect(page.status == expected)
            #expect(page.header("content-type") == "text/html; charset=utf-8")
            #expect(page.text.hasPrefix("<!DOCTYPE html>"))
            #expect(page.object == nil)
            // A proxy's page carries no API headers.
            #expect(page.header("x-ratelimit-remaining") == nil)
        }
        server.inject(.status(503, body: .empty))
        let empty = try await Curl.get(server.url("/repos/acme/app"), token: token)
        #expect(empty.status == 503)
        #expect(empty.body.isEmpty)
    }

    @Test func injectedDelayMakesAnAnswerSlow() async throws {
        try server.addRepository(owner: "acme", name: "app")
        // A delayed answer still comes, with its status.
        server.inject(.delay(0.2))
        let slow = try await Curl.get(server.url("/repos/acme/app"), token: token)
        #expect(slow.status == 200)

        // A client that gives up before the delay ends never gets it: curl's timeout, exit code 28.
        server.inject(.delay(86_400))
        let timedOut = try await Curl.get(server.url("/repos/acme/app"), token: token, maxTime: 0.3)
        #expect(timedOut.exitCode == 28)
    }

    @Test func injectedConnectionCloseGivesAnEmptyReply() async throws {
        try server.addRepository(owner: "acme", name: "app")
        server.inject(.closeConnection)
        let dropped = try await Curl.get(server.url("/repos/acme/app"), token: token)
        #expect(dropped.exitCode == 52)
        #expect(dropped.status == 0)
        #expect(server.requests.last?.status == nil)
        #expect(server.requests.last?.fault == .closeConnection)
    }

    @Test func injectedMalformedJSONAndTruncatedBody() async throws {
        try server.seed(org: "acme", count: 3)
        server.inject(.malformedJSON)
        let malformed = try await Curl.get(server.url("/orgs/acme/repos"), token: token)
        #expect(malformed.exitCode == 0)
        #expect(malformed.status == 200)
        #expect(!malformed.body.isEmpty)
        #expect((try? JSONSerialization.jsonObject(with: malformed.body)) == nil)

        server.inject(.truncatedBody)
        let truncated = try await Curl.get(server.url("/orgs/acme/repos"), token: token)
        #expect(truncated.exitCode == 18)
        let announced = try #require(truncated.header("content-length").flatMap(Int.init))
        #expect(truncated.body.count < announced)
        #expect(truncated.body.count > 0)
    }

    @Test func injectedWrongTypesAndMissingFields() async throws {
        try server.seed(org: "acme", count: 2)
        server.inject(.wrongFieldType("id"))
        let wrong = try #require(try await Curl.get(server.url("/orgs/acme/repos"), token: token).array)
        #expect(wrong.count == 2)
        #expect(wrong.allSatisfy { $0["id"] is String })
        #expect(wrong.first?["id"] as? String == "1000")

        server.inject(.wrongFieldType("name"))
        let number = try #require(try await Curl.get(server.url("/repositories/1000"), token: token).object)
        #expect(number["name"] is NSNumber)

        server.inject(.missingFields(["name", "full_name"]))
        let missing = try #require(try await Curl.get(server.url("/orgs/acme/repos"), token: token).array)
        #expect(missing.allSatisfy { $0["name"] == nil && $0["full_name"] == nil && $0["id"] != nil })

        // Damaged answers are never turned into 304s.
        let etag = try #require(try await Curl.get(server.url("/repositories/1000"), token: token).header("etag"))
        server.inject(.missingFields(["id"]))
        let notCached = try await Curl.get(server.url("/repositories/1000"), token: token, headers: ["If-None-Match: \(etag)"])
        #expect(notCached.status == 200)
        #expect(notCached.object?["id"] == nil)
    }

    @Test func faultsMatchByMethodAndPathPrefixAndCount() async throws {
        try server.seed(org: "acme", count: 2)
        server.inject(.status(500), times: 2, method: "GET", pathPrefix: "/repositories/")
        server.inject(.status(503), method: "POST")
        #expect(server.pendingFaultCount == 3)

        #expect(try await Curl.get(server.url("/orgs/acme/repos"), token: token).status == 200)
        #expect(try await Curl.get(server.url("/repositories/1000"), token: token).status == 500)
        #expect(try await Curl.get(server.url("/repositories/1001"), token: token).status == 500)
        #expect(try await Curl.get(server.url("/repositories/1000"), token: token).status == 200)
        #expect(try await Curl.post(server.url("/orgs/acme/repos"), json: #"{"name":"x"}"#, token: token).status == 503)
        #expect(server.pendingFaultCount == 0)

        server.inject(.status(500), times: 5)
        server.clearFaults()
        #expect(try await Curl.get(server.url("/repositories/1000"), token: token).status == 200)
    }
}
