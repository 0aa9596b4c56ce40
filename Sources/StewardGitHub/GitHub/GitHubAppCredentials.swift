import Foundation
import StewardHTTP
import _CryptoExtras

/// Authenticates as a GitHub App installed on the owner: signs a JWT with the App's private key, exchanges it
/// for an installation token (`POST /app/installations/{id}/access_tokens`) and uses that token until
/// shortly before it expires.
///
/// Callers that ask at the same time share one exchange. The key, the JWT and the tokens go only into
/// `Authorization` headers: never into errors, descriptions or logs.
public actor GitHubAppCredentials: GitHubCredentials, CustomStringConvertible, CustomReflectable {
    /// Where the App's private key comes from: the `.pem` file GitHub offers for download, or its text.
    public enum PrivateKeySource: Sendable, CustomStringConvertible {
        /// The PEM text itself (`-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN PRIVATE KEY-----`).
        case pem(String)
        /// A path to a PEM file (`forge.auth.privateKeyFile`).
        case file(String)

        /// Names the source without the key.
        public var description: String {
            switch self {
            case .pem: "the private key PEM given inline"
            case .file(let path): "the private key file \(path)"
            }
        }
    }

    /// The App id: the JWT's `iss`.
    public nonisolated let appID: Int
    /// The organization or user the App is installed on.
    public nonisolated let owner: String
    /// `https://api.github.com`, a GitHub Enterprise `https://HOST/api/v3`, or a test server.
    public nonisolated let apiURL: URL

    /// A token is replaced this long before GitHub's `expires_at`, so a request never carries one that
    /// expires on the way (and clocks may disagree a little).
    public static let refreshMargin: TimeInterval = 300

    private nonisolated let key: _RSA.Signing.PrivateKey
    private nonisolated let now: @Sendable () -> Date
    private let client: HTTPClient
    /// Given, or found with `GET /orgs/{owner}/installation` on first use.
    private var installationID: Int64?
    private let installationIDWasGiven: Bool
    private var cached: InstallationToken?
    private var refreshing: Task<InstallationToken, any Error>?

    /// Credentials for the App `appID` installed on `owner`.
    /// - Parameters:
    ///   - installationID: the installation on `owner`; nil to look it up (`GET /orgs/{owner}/installation`,
    ///     then `/users/{owner}/installation`) on first use.
    ///   - now: the clock for the JWT's claims and the token's expiry.
    /// - Throws: `GitHubError` when the key cannot be read or is not an RSA private key of 2048 bits or more;
    ///   it names the file, never the key.
    public init(
        appID: Int, privateKey: PrivateKeySource, installationID: Int64? = nil, owner: String, apiURL: URL,
        client: HTTPClient, now: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.appID = appID
        self.owner = owner
        self.apiURL = apiURL
        self.client = client
        self.now = now
        self.installationID = installationID
        installationIDWasGiven = installationID != nil
        key = try Self.loadKey(privateKey)
    }

    public func authorization() async throws -> String {
        "Bearer " + (try await currentToken().value)
    }

    /// Drops the cached token when it is the one GitHub refused, so the next `authorization()` gets a new one.
    /// - Returns: true: a new installation token may work where the old one was refused.
    public func authorizationRejected(_ authorization: String) async -> Bool {
        if let cached, authorization == "Bearer " + cached.value { self.cached = nil }
        return true
    }

    /// A JWT for the App, valid for 9 minutes from `now()`, for `/app/…` endpoints Steward does not wrap.
    /// - Throws: `GitHubError` if the key cannot sign.
    public nonisolated func appJWT() throws -> String {
        do {
            return try GitHubAppJWT.sign(appID: appID, key: key, now: now())
        } catch {
            throw GitHubError(request: "GitHub App authentication", problem: "the App's private key could not sign a JWT; "
                + "download a new private key from the App's settings")
        }
    }

    public nonisolated var description: String {
        "GitHubAppCredentials(appID: \(appID), owner: \(owner), apiURL: \(apiURL.absoluteString))"
    }

    public nonisolated var customMirror: Mirror {
        Mirror(self, children: ["appID": appID, "owner": owner, "apiURL": apiURL.absoluteString], displayStyle: .class)
    }

    // MARK: - Installation tokens

    struct InstallationToken: Sendable {
        var value: String
        var expiresAt: Date
        /// When to stop using it: `refreshMargin` before expiry, or halfway for a token that lives less than
        /// twice the margin.
        var refreshAt: Date
    }

    private func currentToken() async throws -> InstallationToken {
        if let cached, now() < cached.refreshAt { return cached }
        // Another caller is already exchanging: wait for its token rather than asking GitHub twice.
        if let refreshing { return try await refreshing.value }
        let task = Task { try await self.issueToken() }
        refreshing = task
        defer { refreshing = nil }
        let token = try await task.value
        cached = token
        return token
    }

    private func issueToken() async throws -> InstallationToken {
        let jwt = try appJWT()
        let id = try await resolveInstallationID(jwt: jwt)
        let url = try endpoint("/app/installations/\(id)/access_tokens")
        let request = "POST \(url.absoluteString)"
        let response = try await client.send(HTTPRequest(method: .post, url: url, headers: headers(jwt)))
        switch response.status {
        case 201, 200:
            return try Self.decodeToken(response.body, request: request, status: response.status, now: now())
        case 401:
            throw GitHubError(request: request, status: 401, problem: refusedJWT(response))
        case 404 where !installationIDWasGiven:
            // The App was reinstalled under a new id: look it up again next time.
            installationID = nil
            throw GitHubError(request: request, status: 404, problem: "installation \(id) of the GitHub App \(appID) is gone; "
                + "it is looked up again on the next attempt")
        case 404:
            throw GitHubError(request: request, status: 404, problem: "the GitHub App \(appID) has no installation \(id); "
                + "check the installation id, or leave it out to look it up on \(owner)")
        default:
            throw GitHubError(request: request, status: response.status, problem: GitHubForge.message(response.body))
        }
    }

    /// The installation on `owner`: given, or `GET /orgs/{owner}/installation`, else `/users/{owner}/installation`.
    private func resolveInstallationID(jwt: String) async throws -> Int64 {
        if let installationID { return installationID }
        for collection in ["orgs", "users"] {
            let url = try endpoint("/\(collection)/\(owner)/installation")
            let request = "GET \(url.absoluteString)"
            let response = try await client.send(HTTPRequest(method: .get, url: url, headers: headers(jwt)))
            switch response.status {
            case 200:
                struct Installation: Decodable { var id: Int64 }
                let id = try GitHubResponseDecoder(request: request).decode(Installation.self, from: response.body, status: 200).id
                installationID = id
                return id
            case 404:
                continue
            case 401:
                throw GitHubError(request: request, status: 401, problem: refusedJWT(response))
            default:
                throw GitHubError(request: request, status: response.status, problem: GitHubForge.message(response.body))
            }
        }
        throw GitHubError(request: "GET \(try endpoint("/users/\(owner)/installation").absoluteString)", status: 404,
                          problem: "the GitHub App \(appID) is not installed on \(owner); install it on the organization "
                            + "(or user) from the App's settings and give it access to the repositories")
    }

    private func refusedJWT(_ response: HTTPResponse) -> String {
        "GitHub refused the App's JWT (\(GitHubForge.message(response.body))); check that forge.auth.appID (\(appID)) "
            + "is the App's id and the private key is that App's, and that this machine's clock is right"
    }

    private func headers(_ jwt: String) -> HTTPHeaders {
        ["Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "Authorization": "Bearer \(jwt)"]
    }

    private func endpoint(_ path: String) throws -> URL {
        // The API URL may carry a path prefix (GitHub Enterprise: /api/v3).
        let base = apiURL.absoluteString.hasSuffix("/") ? String(apiURL.absoluteString.dropLast()) : apiURL.absoluteString
        guard let url = URL(string: base + path) else {
            throw GitHubError(request: "\(base)\(path)", problem: "not a valid URL")
        }
        return url
    }

    /// The "installation-token" object. Its body holds the token, so no part of it goes into an error.
    static func decodeToken(_ body: Data, request: String, status: Int, now: Date) throws -> InstallationToken {
        struct Object: Decodable {
            var token: String
            var expires_at: String
        }
        let object: Object
        do {
            object = try JSONDecoder().decode(Object.self, from: body)
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw GitHubError(request: request, status: status, problem: "the body is not valid JSON (\(body.count) bytes)")
            }
            throw GitHubError(request: request, status: status, problem: GitHubResponseDecoder.explain(error, body: Data()))
        }
        guard !object.token.isEmpty else {
            throw GitHubError(request: request, status: status, problem: "field \"token\" is empty")
        }
        guard let expiresAt = ISO8601DateFormatter().date(from: object.expires_at) else {
            throw GitHubError(request: request, status: status,
                              problem: "field \"expires_at\": expected an ISO 8601 time, found \"\(object.expires_at.prefix(40))\"")
        }
        let margin = min(refreshMargin, max(0, expiresAt.timeIntervalSince(now)) / 2)
        return InstallationToken(value: object.token, expiresAt: expiresAt, refreshAt: expiresAt.addingTimeInterval(-margin))
    }

    // MARK: - Private key

    private static func loadKey(_ source: PrivateKeySource) throws -> _RSA.Signing.PrivateKey {
        let problem = "GitHub App authentication"
        let advice = "download a private key (.pem) from the App's settings on GitHub"
        let pem: String
        switch source {
        case .pem(let text):
            pem = text
        case .file(let path):
            guard FileManager.default.fileExists(atPath: path) else {
                throw GitHubError(request: problem, problem: "\(source) does not exist; \(advice) and set forge.auth.privateKeyFile to it")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw GitHubError(request: problem, problem: "\(source) cannot be read; check its permissions")
            }
            pem = String(decoding: data, as: UTF8.self)
        }
        do {
            return try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            // BoringSSL's error says nothing more useful; what it was given must stay out of the message.
            let isRSA = pem.contains("-----BEGIN RSA PRIVATE KEY-----") || pem.contains("-----BEGIN PRIVATE KEY-----")
            if isRSA, let weak = try? _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem) {
                throw GitHubError(request: problem, problem: "\(source) holds an RSA key of \(weak.keySizeInBits) bits; "
                    + "GitHub's App keys have 2048 or more: \(advice)")
            }
            throw GitHubError(request: problem, problem: "\(source) is not an RSA private key in PEM form "
                + "(a \"-----BEGIN RSA PRIVATE KEY-----\" block); \(advice)")
        }
    }
}
