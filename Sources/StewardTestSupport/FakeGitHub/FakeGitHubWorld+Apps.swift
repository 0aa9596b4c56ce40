import Foundation

extension FakeGitHubWorld {
    /// `/app/…` and `/{orgs,users}/{name}/installation`: authenticated by the App's JWT; they do not cost
    /// the `core` quota (GitHub counts App requests apart).
    mutating func appRoute(_ request: FakeHTTPRequest, _ path: FakeGitHubRoutePath, now: Date) -> FakeGitHubAnswer {
        let tokenDocs = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"
        if let problem = jwtProblem(request, now: now) {
            return .error(401, problem, counts: false)
        }
        var answer: FakeGitHubAnswer
        if let captured = path.match("POST", "app", "installations", "*", "access_tokens") {
            guard let id = Int64(captured[0]), accounts.values.contains(where: { $0.installationID == id }) else {
                return .notFound(documentation: tokenDocs).notCounted
            }
            let token = "ghs_" + String((0..<36).map { _ in Self.tokenAlphabet.randomElement()! })
            let expiresAt = Date(timeIntervalSince1970: now.addingTimeInterval(configuration.installationTokenLifetime).timeIntervalSince1970.rounded(.down))
            installationTokens[token] = (id, expiresAt)
            answer = FakeGitHubAnswer(201, shapes.installationToken(token, expiresAt: expiresAt, permissions: configuration.installationPermissions))
        } else if let captured = path.match("GET", "orgs", "*", "installation") ?? path.match("GET", "users", "*", "installation") {
            guard let owner = account(named: captured[0]), (path.segments[0] == "orgs") == (owner.kind == .organization) else {
                return FakeGitHubAnswer.error(404, "Integration not found", documentation: "https://docs.github.com/rest/apps/apps", counts: false)
            }
            let created = accountCreatedAt[owner.id] ?? now
            answer = FakeGitHubAnswer(200, shapes.installation(owner, appID: configuration.appID, permissions: configuration.installationPermissions, createdAt: created))
        } else {
            return FakeGitHubAnswer.notFound().notCounted
        }
        answer.counts = false
        answer.viewer = .app
        return answer
    }

    private static let tokenAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// Why the `Authorization: Bearer <jwt>` is refused, or nil if it passes. The signature is not
    /// verified (the fake has no key); the shape and the claims GitHub checks are: three base64url parts,
    /// `alg` RS256, `iss` equal to the app id (or its client id), `iat` not in the future (60 s of skew), `exp` in the future
    /// and at most 10 minutes ahead.
    private func jwtProblem(_ request: FakeHTTPRequest, now: Date) -> String? {
        let undecodable = "A JSON web token could not be decoded"
        guard let header = request.header("authorization") else { return undecodable }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return undecodable }
        let segments = parts[1].trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3,
              let headerData = FakeGitHubEncoding.base64URLDecode(segments[0]),
              let payloadData = FakeGitHubEncoding.base64URLDecode(segments[1]),
              FakeGitHubEncoding.base64URLDecode(segments[2]) != nil,
              let jose = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any],
              let claims = (try? JSONSerialization.jsonObject(with: payloadData)) as? [String: Any],
              (jose["alg"] as? String) == "RS256"
        else { return undecodable }

        // GitHub takes the App id (an integer) or, since 2024, the App's client id as `iss`.
        let issuer: String
        if let number = claims["iss"] as? NSNumber, number.doubleValue == number.doubleValue.rounded() {
            issuer = number.stringValue
        } else if let text = claims["iss"] as? String, Int64(text) != nil || text.hasPrefix("Iv") {
            issuer = text
        } else {
            return "'Issuer' claim ('iss') must be an Integer"
        }
        guard issuer == String(configuration.appID) || issuer == FakeGitHubShapes.clientID(appID: configuration.appID) else {
            // What GitHub answers for a JWT of another App: the key does not match, so "not decoded".
            return undecodable
        }
        let moment = now.timeIntervalSince1970
        guard let issuedAt = (claims["iat"] as? NSNumber)?.doubleValue, issuedAt <= moment + 60 else {
            return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
        }
        guard let expires = (claims["exp"] as? NSNumber)?.doubleValue, expires > moment else {
            return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
        }
        guard expires <= moment + 600 + 60 else {
            return "'Expiration time' claim ('exp') is too far in the future"
        }
        return nil
    }
}
