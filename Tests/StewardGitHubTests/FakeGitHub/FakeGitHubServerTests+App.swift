import Foundation
import StewardTestSupport
import Testing

extension FakeGitHubServerTests {
    @Test func appInstallationTokenFlow() async throws {
        let appID = server.configuration.appID
        let org = server.addOrganization("acme")
        let secret = try server.addRepository(owner: "acme", name: "secret", isPrivate: true)
        let jwt = FakeGitHubServer.unsignedAppJWT(appID: appID)

        let installation = try await Curl.get(server.url("/orgs/acme/installation"), token: jwt)
        #expect(installation.status == 200)
        let installationID = try #require(installation.object?["id"] as? Int64)
        #expect(installationID == org.installationID)
        #expect(installation.object?["access_tokens_url"] as? String
            == "\(server.baseURL.absoluteString)/app/installations/\(installationID)/access_tokens")

        let issued = try await Curl.run([
            "-X", "POST", "-H", "Authorization: Bearer \(jwt)", "-H", "Accept: application/vnd.github+json",
            server.url("/app/installations/\(installationID)/access_tokens").absoluteString,
        ])
        #expect(issued.status == 201)
        let body = try #require(issued.object)
        let installationToken = try #require(body["token"] as? String)
        #expect(installationToken.hasPrefix("ghs_") && installationToken.count == 40)
        #expect(body["repository_selection"] as? String == "all")
        #expect((body["permissions"] as? [String: String])?["metadata"] == "read")
        let expiresAt = try #require(body["expires_at"] as? String)
        let expiry = try #require(ISO8601DateFormatter().date(from: expiresAt))
        #expect(abs(expiry.timeIntervalSinceNow - 3600) < 5)
        // App requests do not cost the token's quota.
        #expect(server.countedRequestCount == 0)

        let asInstallation = try await Curl.get(server.url("/repositories/\(secret.id)"), token: installationToken)
        #expect(asInstallation.status == 200)
        #expect(server.validInstallationTokenCount == 1)

        server.expireInstallationTokens()
        let expired = try await Curl.get(server.url("/repositories/\(secret.id)"), token: installationToken)
        #expect(expired.status == 401)
        #expect(expired.object?["message"] as? String == "Bad credentials")
    }

    @Test func appEndpointsRefuseBadJWTs() async throws {
        let appID = server.configuration.appID
        let org = server.addOrganization("acme")
        let url = server.url("/app/installations/\(org.installationID)/access_tokens")
        func post(_ bearer: String) async throws -> CurlResult {
            try await Curl.run(["-X", "POST", "-H", "Authorization: Bearer \(bearer)", url.absoluteString])
        }

        let withPAT = try await post(token)
        #expect(withPAT.status == 401)
        #expect(withPAT.object?["message"] as? String == "A JSON web token could not be decoded")

        await #expect(try post("only.two").status == 401)
        await #expect(try post("a!b.c.d").status == 401)

        let otherApp = try await post(FakeGitHubServer.unsignedAppJWT(appID: appID + 1))
        #expect(otherApp.status == 401)
        #expect(otherApp.object?["message"] as? String == "A JSON web token could not be decoded")

        let expired = try await post(FakeGitHubServer.unsignedAppJWT(appID: appID, issuedAt: Date().addingTimeInterval(-700), expiresAt: Date().addingTimeInterval(-100)))
        #expect(expired.status == 401)
        #expect((expired.object?["message"] as? String)?.contains("'Expiration time' claim ('exp')") == true)

        let tooLong = try await post(FakeGitHubServer.unsignedAppJWT(appID: appID, expiresAt: Date().addingTimeInterval(3600)))
        #expect(tooLong.status == 401)
        #expect(tooLong.object?["message"] as? String == "'Expiration time' claim ('exp') is too far in the future")

        let future = try await post(FakeGitHubServer.unsignedAppJWT(appID: appID, issuedAt: Date().addingTimeInterval(300)))
        #expect(future.status == 401)
        #expect((future.object?["message"] as? String)?.contains("'Issued at' claim ('iat')") == true)

        let unknown = try await Curl.run([
            "-X", "POST", "-H", "Authorization: Bearer \(FakeGitHubServer.unsignedAppJWT(appID: appID))",
            server.url("/app/installations/999999/access_tokens").absoluteString,
        ])
        #expect(unknown.status == 404)

        // A JWT is no token for the REST API proper.
        let jwtOnRepos = try await Curl.get(server.url("/orgs/acme/repos"), token: FakeGitHubServer.unsignedAppJWT(appID: appID))
        #expect(jwtOnRepos.status == 401)
        #expect(server.validInstallationTokenCount == 0)
    }

    @Test func installationTokenSeesOnlyItsAccountsPrivateRepositories() async throws {
        let acme = server.addOrganization("acme")
        let other = try server.addRepository(owner: "globex", name: "hidden", isPrivate: true)
        let jwt = FakeGitHubServer.unsignedAppJWT(appID: server.configuration.appID)
        let issued = try await Curl.run([
            "-X", "POST", "-H", "Authorization: Bearer \(jwt)",
            server.url("/app/installations/\(acme.installationID)/access_tokens").absoluteString,
        ])
        let installationToken = try #require(issued.object?["token"] as? String)
        #expect(try await Curl.get(server.url("/repositories/\(other.id)"), token: installationToken).status == 404)
        let created = try await Curl.post(server.url("/orgs/acme/repos"), json: #"{"name":"by-app"}"#, token: installationToken)
        #expect(created.status == 201)
        #expect(try await Curl.post(server.url("/orgs/globex/repos"), json: #"{"name":"x"}"#, token: installationToken).status == 403)
    }
}
