import Foundation
import StewardGitHub
import StewardHTTP
import StewardTestSupport
import Testing
import _CryptoExtras

/// GitHub App authentication: the JWT checked with the key's public half, and the installation-token flow
/// through the real libcurl client against the fake GitHub.
struct GitHubAppCredentialsTests {
    /// One throwaway key for every test: generating a 2048-bit key in a debug build takes a while.
    static let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    /// A clock the test moves: real time plus an offset, since the fake checks the JWT against real time.
    /// A clock that moves only when told: cache margins must not depend on how loaded the machine is.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private let base = Date()
        private var offset: TimeInterval = 0
        func advance(_ seconds: TimeInterval) { lock.withLock { offset += seconds } }
        var now: Date { lock.withLock { base.addingTimeInterval(offset) } }
    }

    static func client() throws -> HTTPClient {
        try HTTPClient(configuration: .init(
            totalTimeout: .seconds(5), maxAttempts: 3, baseDelay: .milliseconds(1), maxDelay: .milliseconds(5), sleep: { _ in }))
    }

    static func credentials(
        _ server: FakeGitHubServer, appID: Int? = nil, key: GitHubAppCredentials.PrivateKeySource? = nil,
        installationID: Int64? = nil, owner: String = "acme", now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> GitHubAppCredentials {
        try GitHubAppCredentials(
            appID: appID ?? Int(server.configuration.appID), privateKey: key ?? .pem(Self.key.pemRepresentation),
            installationID: installationID, owner: owner, apiURL: server.baseURL, client: client(), now: now)
    }

    static func tokenRequests(_ server: FakeGitHubServer) -> [FakeGitHubRequest] {
        server.requests { $0.method == "POST" && $0.path.hasPrefix("/app/installations/") && $0.path.hasSuffix("/access_tokens") }
    }

    static func decodeSegment(_ segment: Substring) throws -> Data {
        var text = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        return try #require(Data(base64Encoded: text))
    }

    // MARK: - JWT

    @Test(arguments: [false, true])
    func jwtIsRS256SignedWithTheAppKeyAndCarriesGitHubsClaims(pkcs8: Bool) throws {
        let moment = Date(timeIntervalSince1970: 1_700_000_000.7)
        let pem = pkcs8 ? Self.key.pkcs8PEMRepresentation : Self.key.pemRepresentation
        let credentials = try GitHubAppCredentials(
            appID: 4242, privateKey: .pem(pem), owner: "acme", apiURL: URL(string: "https://api.github.com")!,
            client: Self.client(), now: { moment })
        let jwt = try credentials.appJWT()
        #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"))
        let segments = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(segments.count == 3)

        let header = try JSONSerialization.jsonObject(with: Self.decodeSegment(segments[0])) as? [String: Any]
        #expect(header?["alg"] as? String == "RS256")
        #expect(header?["typ"] as? String == "JWT")
        #expect(header?.count == 2)
        let claims = try #require(try JSONSerialization.jsonObject(with: Self.decodeSegment(segments[1])) as? [String: Any])
        let issuedAt = try #require((claims["iat"] as? NSNumber)?.int64Value)
        let expiresAt = try #require((claims["exp"] as? NSNumber)?.int64Value)
        #expect(issuedAt == Int64(1_700_000_000 - 60))
        #expect(expiresAt == Int64(1_700_000_000 + 540))
        #expect((claims["iss"] as? NSNumber)?.intValue == 4242)
        #expect(claims.count == 3)

        let signingInput = Data("\(segments[0]).\(segments[1])".utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try Self.decodeSegment(segments[2]))
        #expect(signature.rawRepresentation.count == 256)
        #expect(Self.key.publicKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
        // PKCS#1 v1.5 is deterministic: the same claims give the same token, and other claims do not verify.
        #expect(try credentials.appJWT() == jwt)
        let tampered = Data("\(segments[0]).\(segments[1].dropLast())A".utf8)
        #expect(!Self.key.publicKey.isValidSignature(signature, for: tampered, padding: .insecurePKCS1v1_5))
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey
        #expect(!otherKey.isValidSignature(signature, for: signingInput, padding: .insecurePKCS1v1_5))
    }

    // MARK: - Against the fake GitHub

    @Test func aForgeWithAppCredentialsListsRepositoriesWithOneTokenForManyCalls() async throws {
        let harness = try GitHubHarness()
        _ = try harness.server.seed(org: "acme", count: 150)
        let secret = try harness.server.addRepository(owner: "acme", name: "zz-secret", isPrivate: true)
        let credentials = try Self.credentials(harness.server)
        let forge = GitHubForge(client: try Self.client(), apiURL: harness.server.baseURL, credentials: credentials)

        let pages = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(pages.count == 2)
        #expect(pages.flatMap(\.repositories).count == 151)
        // The installation token sees the installation's private repositories.
        #expect(pages.flatMap(\.repositories).contains { $0.id == secret.id && $0.isPrivate })
        _ = try await forge.listRepositories(owner: "acme", cached: pages)
        guard case .found = try await forge.repository(id: secret.id) else { Issue.record("not found"); return }
        _ = try await forge.createRepository(owner: "acme", name: "by-app", isPrivate: true, description: nil)

        #expect(Self.tokenRequests(harness.server).count == 1)
        #expect(harness.server.requests { $0.path == "/orgs/acme/installation" }.count == 1)
        #expect(harness.server.validInstallationTokenCount == 1)
        let forgeCalls = harness.server.requests { !$0.path.hasPrefix("/app/") && !$0.path.hasSuffix("/installation") }
        #expect(forgeCalls.count >= 7)
        #expect(forgeCalls.allSatisfy { $0.authorizationScheme?.lowercased() == "bearer" && $0.status != 401 })
    }

    @Test func concurrentCallersShareOneExchange() async throws {
        let harness = try GitHubHarness()
        let credentials = try Self.credentials(harness.server)
        let values = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<16 { group.addTask { try await credentials.authorization() } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(values.count == 16)
        #expect(Set(values).count == 1)
        #expect(values[0].hasPrefix("Bearer ghs_"))
        #expect(Self.tokenRequests(harness.server).count == 1)

        // Nothing that prints the credentials shows the token.
        let token = String(values[0].dropFirst("Bearer ".count))
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [String(describing: credentials), String(reflecting: credentials), dumped] {
            #expect(!text.contains(token))
            #expect(text.contains("4242"))
        }
    }

    @Test func aTokenGitHubNoLongerAcceptsIsReplacedOnce() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "api")
        let credentials = try Self.credentials(harness.server)
        let forge = GitHubForge(client: try Self.client(), apiURL: harness.server.baseURL, credentials: credentials)
        let first = try await credentials.authorization()
        _ = try await forge.listRepositories(owner: "acme", cached: [])

        harness.server.expireInstallationTokens()
        harness.server.resetLog()
        let pages = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(pages.flatMap(\.repositories).map(\.name) == ["api"])
        #expect(harness.server.requests.map(\.status) == [401, 201, 200])
        #expect(try await credentials.authorization() != first)
        #expect(harness.server.validInstallationTokenCount == 1)
        _ = try await forge.listRepositories(owner: "acme", cached: [])
        #expect(Self.tokenRequests(harness.server).count == 1)
    }

    @Test func aTokenIsReplacedBeforeItsExpiry() async throws {
        // Tokens of 100 s are used for half their life (less than twice the 5-minute margin). The fake's expiry
        // follows its real clock, so the halfway point is 50 s plus half of however long the first fetch took on a
        // loaded machine: 20 s is always before it, 95 s after it unless that fetch took 90 s. (The fake accepts a
        // JWT issued at most 60 s ahead of its clock, which bounds how far this clock may run ahead.)
        let harness = try GitHubHarness(configuration: .init(installationTokenLifetime: 100))
        let clock = TestClock()
        let credentials = try Self.credentials(harness.server, now: { clock.now })
        let first = try await credentials.authorization()
        clock.advance(20)
        #expect(try await credentials.authorization() == first)
        #expect(Self.tokenRequests(harness.server).count == 1)

        clock.advance(75)
        let second = try await credentials.authorization()
        #expect(second != first)
        #expect(Self.tokenRequests(harness.server).count == 2)
        // The installation id is looked up once and kept.
        #expect(harness.server.requests { $0.path.hasSuffix("/installation") }.count == 1)
    }

    @Test func anHourLongTokenIsReplacedFiveMinutesEarly() async throws {
        let harness = try GitHubHarness()
        let clock = TestClock()
        let installation = harness.server.addOrganization("acme").installationID
        let credentials = try Self.credentials(harness.server, installationID: installation, now: { clock.now })
        let first = try await credentials.authorization()
        clock.advance(3600 - 305)
        #expect(try await credentials.authorization() == first)
        #expect(Self.tokenRequests(harness.server).map(\.status) == [201])

        // Inside the last 5 minutes it asks for a new token. The fake checks the JWT against its own clock,
        // which did not move, so it refuses one issued an hour ahead: the attempt is what this test sees.
        // (120 s in: well inside the last 5 minutes whatever the machine's load.)
        clock.advance(120)
        let refused = await #expect(throws: GitHubError.self) { try await credentials.authorization() }
        #expect(refused?.description.contains("'Issued at' claim") == true)
        #expect(Self.tokenRequests(harness.server).map(\.status) == [201, 401])
        #expect(harness.server.requests { $0.path.hasSuffix("/installation") }.isEmpty)
    }

    @Test func theInstallationOfAUserAccountIsFound() async throws {
        let harness = try GitHubHarness()
        let octo = harness.server.addUser("octo")
        try harness.server.addRepository(owner: "octo", name: "dotfiles", isPrivate: true)
        let credentials = try Self.credentials(harness.server, owner: "octo")
        let forge = GitHubForge(client: try Self.client(), apiURL: harness.server.baseURL, credentials: credentials)
        let pages = try await forge.listRepositories(owner: "octo", cached: [])
        #expect(pages.flatMap(\.repositories).map(\.fullName) == ["octo/dotfiles"])
        #expect(harness.server.requests { $0.path.hasSuffix("/installation") }.map(\.status) == [404, 200])
        #expect(Self.tokenRequests(harness.server).map(\.path) == ["/app/installations/\(octo.installationID)/access_tokens"])
    }

    @Test func anOwnerWithoutTheAppOrAWrongInstallationIdIsAClearError() async throws {
        let harness = try GitHubHarness()
        let missing = await #expect(throws: GitHubError.self) {
            try await Self.credentials(harness.server, owner: "nobody").authorization()
        }
        #expect(missing?.status == 404)
        #expect(missing?.description.contains("is not installed on nobody") == true)

        let wrongID = await #expect(throws: GitHubError.self) {
            try await Self.credentials(harness.server, installationID: 12345).authorization()
        }
        #expect(wrongID?.description.contains("/app/installations/12345/access_tokens answered 404") == true)
        #expect(wrongID?.description.contains("no installation 12345") == true)
    }

    @Test func aWrongAppIDIsAClearErrorWithoutTheJWT() async throws {
        let harness = try GitHubHarness()
        try harness.server.addRepository(owner: "acme", name: "api")
        let credentials = try Self.credentials(harness.server, appID: 777)
        let direct = await #expect(throws: GitHubError.self) { try await credentials.authorization() }
        #expect(direct?.status == 401)
        #expect(direct?.description.contains("A JSON web token could not be decoded") == true)
        #expect(direct?.description.contains("forge.auth.appID (777)") == true)

        let forge = GitHubForge(client: try Self.client(), apiURL: harness.server.baseURL, credentials: credentials)
        let viaForge = await #expect(throws: GitHubError.self) { try await forge.listRepositories(owner: "acme", cached: []) }
        for error in [direct, viaForge] {
            // Every JWT starts with the base64url of `{"`.
            #expect(error?.description.contains("eyJ") == false)
            #expect(error?.description.contains(try credentials.appJWT()) == false)
        }
        #expect(harness.server.validInstallationTokenCount == 0)
    }

    @Test func aBrokenTokenAnswerNamesTheFieldButNeverShowsTheToken() async throws {
        let harness = try GitHubHarness()
        let credentials = try Self.credentials(harness.server)
        // Half of `{"token":"ghs_…` is no JSON, and its start is the token.
        harness.server.inject(.malformedJSON, method: "POST", pathPrefix: "/app/")
        let malformed = await #expect(throws: GitHubError.self) { try await credentials.authorization() }
        #expect(malformed?.description.contains("access_tokens answered 201: the body is not valid JSON") == true)
        harness.server.inject(.missingFields(["expires_at"]), method: "POST", pathPrefix: "/app/")
        let missing = await #expect(throws: GitHubError.self) { try await credentials.authorization() }
        #expect(missing?.description.contains("field \"expires_at\" is missing") == true)
        harness.server.inject(.wrongFieldType("token"), method: "POST", pathPrefix: "/app/")
        let ill = await #expect(throws: GitHubError.self) { try await credentials.authorization() }
        #expect(ill?.description.contains("field \"token\"") == true)
        for error in [malformed, missing, ill] { #expect(error?.description.contains("ghs_") == false) }
        // A failed exchange is not cached: the next call gets a token.
        #expect(try await credentials.authorization().hasPrefix("Bearer ghs_"))
    }

    @Test func aBadPrivateKeyIsAClearErrorWithoutKeyMaterial() throws {
        let harness = try GitHubHarness()
        let directory = try TemporaryDirectory(prefix: "steward-app-key")
        let pem = Self.key.pemRepresentation
        let bodyLines = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        var broken = pem.split(separator: "\n").map(String.init)
        broken.remove(at: broken.count / 2)
        let weak = try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: 1024)).pemRepresentation
        let cases: [(GitHubAppCredentials.PrivateKeySource, String)] = [
            (.file(directory.path + "/absent.pem"), "the private key file \(directory.path)/absent.pem does not exist"),
            (.file(try directory.write("broken.pem", broken.joined(separator: "\n")).path),
             "the private key file \(directory.path)/broken.pem is not an RSA private key in PEM form"),
            (.file(try directory.write("public.pem", Self.key.publicKey.pemRepresentation).path),
             "public.pem is not an RSA private key"),
            (.file(try directory.write("weak.pem", weak).path), "weak.pem holds an RSA key of 1024 bits"),
            (.file(try directory.write("empty.pem", "").path), "empty.pem is not an RSA private key"),
            (.pem(String(pem.dropLast(200))), "the private key PEM given inline is not an RSA private key"),
        ]
        for (source, expected) in cases {
            let error = #expect(throws: GitHubError.self) { try Self.credentials(harness.server, key: source) }
            let text = error?.description ?? ""
            #expect(text.contains(expected), "\(text)")
            #expect(text.contains("download a private key") || text.contains("1024 bits"))
            #expect(!bodyLines.contains { text.contains($0.prefix(16)) })
            #expect(!weak.split(separator: "\n").dropFirst().dropLast().contains { text.contains($0.prefix(16)) })
        }
        #expect(!String(describing: GitHubAppCredentials.PrivateKeySource.pem(pem)).contains(bodyLines[0]))
        // A good key from a file works.
        let good = try directory.write("app.pem", pem)
        _ = try Self.credentials(harness.server, key: .file(good.path)).appJWT()
    }
}
