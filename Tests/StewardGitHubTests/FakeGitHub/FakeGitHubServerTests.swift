import Foundation
import StewardTestSupport
import Testing

/// The fake GitHub server, driven over real HTTP with curl.
@Suite struct FakeGitHubServerTests {
    let server: FakeGitHubServer
    var token: String { server.configuration.token }

    init() throws {
        server = try FakeGitHubServer()
    }

    // MARK: - Listing and pagination

    @Test func pagesOf250RepositoriesWithLinkHeaders() async throws {
        try server.seed(org: "acme", count: 250)
        let org = try #require(server.account("acme"))
        let base = "\(server.baseURL.absoluteString)/organizations/\(org.id)/repos"

        let first = try await Curl.get(server.url("/orgs/acme/repos?per_page=100"), token: token)
        #expect(first.status == 200)
        #expect(first.array?.count == 100)
        #expect(first.links == ["next": "\(base)?per_page=100&page=2", "last": "\(base)?per_page=100&page=3"])
        // GitHub's order of relations and its exact punctuation.
        #expect(first.header("link") == "<\(base)?per_page=100&page=2>; rel=\"next\", <\(base)?per_page=100&page=3>; rel=\"last\"")

        let second = try await Curl.get(try #require(URL(string: first.links["next"] ?? "")), token: token)
        #expect(second.array?.count == 100)
        #expect(second.header("link") == "<\(base)?per_page=100&page=1>; rel=\"prev\", <\(base)?per_page=100&page=3>; rel=\"next\", "
            + "<\(base)?per_page=100&page=3>; rel=\"last\", <\(base)?per_page=100&page=1>; rel=\"first\"")

        let third = try await Curl.get(try #require(URL(string: second.links["next"] ?? "")), token: token)
        #expect(third.array?.count == 50)
        #expect(third.links == ["prev": "\(base)?per_page=100&page=2", "first": "\(base)?per_page=100&page=1"])

        let names = [first, second, third].flatMap { $0.array ?? [] }.compactMap { $0["name"] as? String }
        #expect(names.count == 250)
        #expect(Set(names).count == 250)
        #expect(names == names.sorted())
        #expect(names.first == "repo-0001" && names.last == "repo-0250")
    }

    @Test func perPageDefaultsTo30AndIsCappedAt100() async throws {
        try server.seed(org: "acme", count: 250)
        let byDefault = try await Curl.get(server.url("/orgs/acme/repos"), token: token)
        #expect(byDefault.array?.count == 30)
        #expect(byDefault.links["last"]?.hasSuffix("page=9") == true)

        let tooMany = try await Curl.get(server.url("/orgs/acme/repos?per_page=500"), token: token)
        #expect(tooMany.array?.count == 100)

        let beyond = try await Curl.get(server.url("/orgs/acme/repos?per_page=100&page=7"), token: token)
        #expect(beyond.status == 200)
        #expect(beyond.array?.isEmpty == true)
    }

    @Test func onePageHasNoLinkHeader() async throws {
        try server.seed(org: "acme", count: 3)
        let page = try await Curl.get(server.url("/orgs/acme/repos?per_page=100"), token: token)
        #expect(page.array?.count == 3)
        #expect(page.header("link") == nil)
    }

    @Test func typeSortAndDirectionFilterAndOrder() async throws {
        try server.addRepository(owner: "acme", name: "zeta", createdAt: Date(timeIntervalSince1970: 1_000))
        try server.addRepository(owner: "acme", name: "alpha", isPrivate: true, createdAt: Date(timeIntervalSince1970: 3_000))
        try server.addRepository(owner: "acme", name: "Mid", createdAt: Date(timeIntervalSince1970: 2_000))
        func names(_ query: String) async throws -> [String] {
            try await Curl.get(server.url("/orgs/acme/repos\(query)"), token: token).array?.compactMap { $0["name"] as? String } ?? []
        }
        #expect(try await names("") == ["alpha", "Mid", "zeta"])
        #expect(try await names("?sort=created") == ["alpha", "Mid", "zeta"])
        #expect(try await names("?sort=created&direction=asc") == ["zeta", "Mid", "alpha"])
        #expect(try await names("?type=private") == ["alpha"])
        #expect(try await names("?type=public&direction=desc") == ["zeta", "Mid"])
    }

    @Test func userRepositoriesAndOrgRepositoriesAreKeptApart() async throws {
        server.addUser("octocat")
        try server.addRepository(owner: "octocat", name: "Hello-World")
        try server.addRepository(owner: "acme", name: "service")

        let user = try await Curl.get(server.url("/users/octocat/repos"), token: token)
        #expect(user.array?.compactMap { $0["full_name"] as? String } == ["octocat/Hello-World"])
        #expect((user.array?.first?["owner"] as? [String: Any])?["type"] as? String == "User")

        #expect(try await Curl.get(server.url("/orgs/octocat/repos"), token: token).status == 404)
        // A user's pages link to GitHub's id-based user path, which serves them too.
        let octocat = try #require(server.account("octocat"))
        try server.addRepository(owner: "octocat", name: "Spoon-Knife")
        let firstPage = try await Curl.get(server.url("/users/octocat/repos?per_page=1"), token: token)
        let next = try #require(firstPage.links["next"])
        #expect(next == "\(server.baseURL.absoluteString)/user/\(octocat.id)/repos?per_page=1&page=2")
        let secondPage = try await Curl.get(try #require(URL(string: next)), token: token)
        #expect(secondPage.array?.compactMap { $0["name"] as? String } == ["Spoon-Knife"])

        let org = try await Curl.get(server.url("/orgs/acme"), token: token)
        #expect(org.object?["type"] as? String == "Organization")
        #expect(org.object?["public_repos"] as? Int == 1)
    }

    // MARK: - Shapes

    @Test func listedRepositoryHasGitHubsFields() async throws {
        let repo = try server.addRepository(owner: "acme", name: "weather-bot", description: "Telegram bot", defaultBranch: "trunk")
        let listed = try #require(try await Curl.get(server.url("/orgs/acme/repos"), token: token).array?.first)

        for key in [
            "id", "node_id", "name", "full_name", "private", "owner", "html_url", "description", "fork", "url",
            "clone_url", "ssh_url", "git_url", "svn_url", "homepage", "size", "stargazers_count", "watchers_count",
            "language", "forks_count", "open_issues_count", "default_branch", "visibility", "archived", "disabled",
            "topics", "has_issues", "has_projects", "has_wiki", "pushed_at", "created_at", "updated_at",
            "permissions", "license", "mirror_url", "is_template", "forks", "open_issues", "watchers",
        ] {
            #expect(listed.keys.contains(key), "missing \(key)")
        }
        #expect(listed["id"] as? Int64 == repo.id)
        #expect(listed["full_name"] as? String == "acme/weather-bot")
        #expect(listed["default_branch"] as? String == "trunk")
        #expect(listed["description"] as? String == "Telegram bot")
        #expect(listed["private"] as? Bool == false)
        #expect(listed["visibility"] as? String == "public")
        #expect(listed["clone_url"] as? String == "https://github.com/acme/weather-bot.git")
        #expect(listed["ssh_url"] as? String == "git@github.com:acme/weather-bot.git")
        #expect(listed["url"] as? String == "\(server.baseURL.absoluteString)/repos/acme/weather-bot")
        #expect(listed["license"] is NSNull)
        #expect(listed["homepage"] is NSNull)
        #expect(listed["topics"] as? [String] == [])
        #expect(listed["node_id"] as? String == Data("010:Repository\(repo.id)".utf8).base64EncodedString())
        let created = try #require(listed["created_at"] as? String)
        #expect(created.count == 20 && created.hasSuffix("Z"))

        let owner = try #require(listed["owner"] as? [String: Any])
        for key in ["login", "id", "node_id", "type", "site_admin", "url", "html_url", "avatar_url"] {
            #expect(owner.keys.contains(key), "owner is missing \(key)")
        }
        #expect(owner["login"] as? String == "acme")
        #expect(owner["type"] as? String == "Organization")
        let permissions = try #require(listed["permissions"] as? [String: Bool])
        #expect(permissions["admin"] == true && permissions["push"] == true && permissions["pull"] == true)
    }

    @Test func webBaseURLShapesCloneURLs() async throws {
        server.configuration.webBaseURL = "file:///srv/forge"
        try server.addRepository(owner: "acme", name: "app")
        let repo = try #require(try await Curl.get(server.url("/repos/acme/app"), token: token).object)
        #expect(repo["clone_url"] as? String == "file:///srv/forge/acme/app.git")
    }

    @Test func repositoryByIDAndByNameIsTheFullRepository() async throws {
        let repo = try server.addRepository(owner: "acme", name: "app", isPrivate: true)
        let byID = try await Curl.get(server.url("/repositories/\(repo.id)"), token: token)
        let byName = try await Curl.get(server.url("/repos/ACME/App"), token: token)
        #expect(byID.status == 200 && byName.status == 200)
        #expect(byID.body == byName.body)
        let object = try #require(byID.object)
        #expect(object["id"] as? Int64 == repo.id)
        #expect(object["visibility"] as? String == "private")
        #expect((object["organization"] as? [String: Any])?["login"] as? String == "acme")
        #expect(object.keys.contains("network_count") && object.keys.contains("subscribers_count"))
        // A single object gets a strong ETag; lists get weak ones.
        let etag = try #require(byID.header("etag"))
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
        #expect(byID.header("content-type") == "application/json; charset=utf-8")
    }

    // MARK: - Conditional requests

    @Test func matchingETagGives304WithoutSpendingQuota() async throws {
        try server.seed(org: "acme", count: 5)
        let url = server.url("/orgs/acme/repos?per_page=100")
        let first = try await Curl.get(url, token: token)
        let etag = try #require(first.header("etag"))
        #expect(etag.hasPrefix("W/\""))
        let remainingAfterFirst = try #require(first.header("x-ratelimit-remaining").flatMap(Int.init))
        #expect(remainingAfterFirst == 4999)

        let again = try await Curl.get(url, token: token, headers: ["If-None-Match: \(etag)"])
        #expect(again.status == 304)
        #expect(again.body.isEmpty)
        #expect(again.header("etag") == etag)
        #expect(again.header("x-ratelimit-remaining") == "4999")
        #expect(again.header("x-ratelimit-used") == "1")
        #expect(server.notModifiedCount == 1)
        #expect(server.countedRequestCount == 1)
        #expect(server.requests.last?.ifNoneMatch == etag)
        #expect(server.requests.last?.countedAgainstRateLimit == false)

        // A strong form of the same tag matches too (weak comparison), and a stale one does not.
        let strong = String(etag.dropFirst(2))
        #expect(try await Curl.get(url, token: token, headers: ["If-None-Match: \"stale\", \(strong)"]).status == 304)
        try server.archiveRepository(id: 1000)
        let changed = try await Curl.get(url, token: token, headers: ["If-None-Match: \(etag)"])
        #expect(changed.status == 200)
        #expect(changed.header("etag") != etag)
        #expect(changed.header("x-ratelimit-remaining") == "4998")
    }

    @Test func notModifiedForAnAnonymousRequestStillCosts() async throws {
        server.configuration.allowsAnonymous = true
        try server.addRepository(owner: "acme", name: "app")
        let first = try await Curl.get(server.url("/repos/acme/app"), token: nil)
        let etag = try #require(first.header("etag"))
        let again = try await Curl.get(server.url("/repos/acme/app"), token: nil, headers: ["If-None-Match: \(etag)"])
        #expect(again.status == 304)
        #expect(server.countedRequestCount == 2)
    }

    @Test func seededStateServesTheSameBytesEveryTime() async throws {
        try server.seed(org: "acme", count: 120)
        let other = try FakeGitHubServer()
        try other.seed(org: "acme", count: 120)
        let path = "/orgs/acme/repos?per_page=100&page=2"
        let here = try await Curl.get(server.url(path), token: token)
        #expect(here.header("etag") == (try await Curl.get(server.url(path), token: token)).header("etag"))
        // Another server differs only in its port: the seeded data itself is deterministic.
        let there = try await Curl.get(other.url(path), token: other.configuration.token)
        let translated = there.text.replacingOccurrences(of: other.baseURL.absoluteString, with: server.baseURL.absoluteString)
        #expect(here.array?.count == 20)
        #expect(translated == here.text)
    }

    // MARK: - Missing, renamed, created

    @Test func removedRepositoryIs404ByIDAndByName() async throws {
        let repo = try server.addRepository(owner: "acme", name: "gone")
        #expect(try await Curl.get(server.url("/repositories/\(repo.id)"), token: token).status == 200)
        #expect(server.removeRepository(id: repo.id))

        let byID = try await Curl.get(server.url("/repositories/\(repo.id)"), token: token)
        #expect(byID.status == 404)
        #expect(byID.object?["message"] as? String == "Not Found")
        #expect(byID.object?["documentation_url"] as? String == "https://docs.github.com/rest/repos/repos#get-a-repository")
        #expect(try await Curl.get(server.url("/repos/acme/gone"), token: token).status == 404)
        #expect(try await Curl.get(server.url("/orgs/acme/repos"), token: token).array?.isEmpty == true)
    }

    @Test func deleteRepositoryAnswers204ThenTheRepositoryIsGone() async throws {
        let repo = try server.addRepository(owner: "acme", name: "doomed")
        let deleted = try await Curl.get(server.url("/repos/acme/doomed"), token: token, extra: ["-X", "DELETE"])
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        #expect(server.repository(id: repo.id) == nil)
        #expect(try await Curl.get(server.url("/repos/acme/doomed"), token: token).status == 404)
        #expect(try await Curl.get(server.url("/repos/acme/doomed"), token: token, extra: ["-X", "DELETE"]).status == 404)
        #expect(try await Curl.get(server.url("/repos/acme/doomed"), token: nil, extra: ["-X", "DELETE"]).status != 204)
    }

    @Test func unknownPathIsGitHubs404() async throws {
        let answer = try await Curl.get(server.url("/no/such/endpoint"), token: token)
        #expect(answer.status == 404)
        #expect(answer.object?["message"] as? String == "Not Found")
        #expect(answer.object?["documentation_url"] as? String == "https://docs.github.com/rest")
        #expect(answer.header("x-ratelimit-remaining") == "4999")
    }

    @Test func renamedRepositoryKeepsItsIDAndRedirectsTheOldName() async throws {
        let repo = try server.addRepository(owner: "acme", name: "old-name")
        let renamed = try server.renameRepository(id: repo.id, to: "new-name")
        #expect(renamed.id == repo.id)

        let byID = try #require(try await Curl.get(server.url("/repositories/\(repo.id)"), token: token).object)
        #expect(byID["name"] as? String == "new-name")
        #expect(byID["full_name"] as? String == "acme/new-name")

        let moved = try await Curl.get(server.url("/repos/acme/old-name"), token: token)
        #expect(moved.status == 301)
        #expect(moved.header("location") == "\(server.baseURL.absoluteString)/repositories/\(repo.id)")
        #expect(moved.object?["message"] as? String == "Moved Permanently")
        #expect(moved.object?["url"] as? String == moved.header("location"))

        let followed = try await Curl.get(server.url("/repos/acme/old-name"), token: token, extra: ["-L"])
        #expect(followed.status == 200)
        #expect(followed.object?["id"] as? Int64 == repo.id)
        #expect(try await Curl.get(server.url("/repos/acme/new-name"), token: token).status == 200)

        // Reusing the old name ends the redirect.
        try server.addRepository(owner: "acme", name: "old-name")
        #expect(try await Curl.get(server.url("/repos/acme/old-name"), token: token).object?["id"] as? Int64 != repo.id)
    }

    @Test func createRepositoryThen422OnTheSameName() async throws {
        server.addOrganization("acme")
        let created = try await Curl.post(
            server.url("/orgs/acme/repos"),
            json: #"{"name":"weather-bot","private":true,"description":"Weather","auto_init":true}"#, token: token
        )
        #expect(created.status == 201)
        let object = try #require(created.object)
        let id = try #require(object["id"] as? Int64)
        #expect(id == 1000)
        #expect(object["full_name"] as? String == "acme/weather-bot")
        #expect(object["private"] as? Bool == true)
        #expect(object["description"] as? String == "Weather")
        #expect(object["default_branch"] as? String == "main")
        #expect(created.header("location") == "\(server.baseURL.absoluteString)/repos/acme/weather-bot")
        #expect(server.repository(id: id)?.name == "weather-bot")

        let duplicate = try await Curl.post(server.url("/orgs/acme/repos"), json: #"{"name":"weather-bot"}"#, token: token)
        #expect(duplicate.status == 422)
        let error = try #require(duplicate.object)
        #expect(error["message"] as? String == "Repository creation failed.")
        let errors = try #require(error["errors"] as? [[String: String]])
        #expect(errors == [["resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"]])
        #expect(error["documentation_url"] as? String == "https://docs.github.com/rest/repos/repos#create-an-organization-repository")
        #expect(server.repositories(owner: "acme").count == 1)
    }

    @Test func createRepositoryRejectsBadBodiesAndUnknownOrganizations() async throws {
        server.addOrganization("acme")
        #expect(try await Curl.post(server.url("/orgs/acme/repos"), json: "{not json", token: token).status == 400)
        #expect(try await Curl.post(server.url("/orgs/acme/repos"), json: #"{"private":true}"#, token: token).status == 422)
        #expect(try await Curl.post(server.url("/orgs/nobody/repos"), json: #"{"name":"x"}"#, token: token).status == 404)
        let spaced = try await Curl.post(server.url("/orgs/acme/repos"), json: #"{"name":"my new repo"}"#, token: token)
        #expect(spaced.object?["name"] as? String == "my-new-repo")
    }

    @Test func largeBodyWithExpectContinueIsNotDelayed() async throws {
        server.addOrganization("acme")
        let description = String(repeating: "d", count: 4_000)
        // curl sends `Expect: 100-continue` for bodies over 1 KiB and, unless answered `100 Continue`, waits
        // `--expect100-timeout` before it sends the body anyway. That wait is made longer than the whole
        // transfer may take, so only a server that answers `100 Continue` gets the body in time (else exit 28).
        let created = try await Curl.post(
            server.url("/orgs/acme/repos"), json: #"{"name":"big","description":"\#(description)"}"#, token: token,
            headers: ["Expect: 100-continue"], extra: ["--expect100-timeout", String(Patience.seconds() * 2)],
            maxTime: Patience.seconds()
        )
        #expect(created.exitCode == 0, "curl exited \(created.exitCode): \(created.stderr)")
        #expect(created.status == 201)
        #expect(server.repository(owner: "acme", name: "big")?.description == description)
    }

    @Test func chunkedRequestBodyIsDecoded() async throws {
        server.addOrganization("acme")
        let created = try await Curl.post(
            server.url("/orgs/acme/repos"), json: #"{"name":"chunked"}"#, token: token,
            headers: ["Transfer-Encoding: chunked"]
        )
        #expect(created.status == 201)
        #expect(server.repository(owner: "acme", name: "chunked") != nil)
    }

    // MARK: - Authentication

    @Test func missingOrWrongCredentialsAre401() async throws {
        try server.addRepository(owner: "acme", name: "app")
        let missing = try await Curl.get(server.url("/orgs/acme/repos"), token: nil)
        #expect(missing.status == 401)
        #expect(missing.object?["message"] as? String == "Requires authentication")

        let wrong = try await Curl.get(server.url("/orgs/acme/repos"), token: "ghp_wrong")
        #expect(wrong.status == 401)
        #expect(wrong.object?["message"] as? String == "Bad credentials")
        #expect(wrong.object?["documentation_url"] as? String == "https://docs.github.com/rest")

        let tokenScheme = try await Curl.get(server.url("/orgs/acme/repos"), token: nil, headers: ["Authorization: token \(token)"])
        #expect(tokenScheme.status == 200)
        // Refusals cost nothing.
        #expect(server.countedRequestCount == 1)
    }

    @Test func anonymousAccessSeesOnlyPublicRepositories() async throws {
        server.configuration.allowsAnonymous = true
        try server.addRepository(owner: "acme", name: "open")
        let secret = try server.addRepository(owner: "acme", name: "secret", isPrivate: true)

        let listed = try await Curl.get(server.url("/orgs/acme/repos"), token: nil)
        #expect(listed.status == 200)
        #expect(listed.array?.compactMap { $0["name"] as? String } == ["open"])
        #expect(listed.array?.first?["permissions"] == nil)
        #expect(try await Curl.get(server.url("/repositories/\(secret.id)"), token: nil).status == 404)
        #expect(try await Curl.get(server.url("/orgs/acme/repos"), token: "ghp_wrong").status == 401)
        #expect(try await Curl.get(server.url("/orgs/acme/repos"), token: token).array?.count == 2)
    }

    @Test func headAnswersHeadersOnly() async throws {
        try server.addRepository(owner: "acme", name: "app")
        let head = try await Curl.run(["-I", "-H", "Authorization: Bearer \(token)", server.url("/repos/acme/app").absoluteString])
        #expect(head.exitCode == 0)
        #expect(head.status == 200)
        #expect(head.header("etag") != nil)
        #expect(head.body.isEmpty)
    }
}
