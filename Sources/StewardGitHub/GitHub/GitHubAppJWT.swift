import Foundation
import _CryptoExtras

/// The JSON Web Token a GitHub App signs to call `/app/…` endpoints: RS256 (RSASSA-PKCS1-v1_5 with SHA-256),
/// `iat` backdated 60 seconds against clock drift, `exp` 9 minutes ahead (GitHub refuses more than 10),
/// `iss` the App id.
enum GitHubAppJWT {
    /// Seconds `iat` lies in the past, as GitHub recommends for clocks that drift.
    static let backdating: TimeInterval = 60
    /// Seconds from now to `exp`; with the backdating, the token spans GitHub's maximum of 10 minutes.
    static let lifetime: TimeInterval = 540

    /// `base64url(header).base64url(claims).base64url(signature)`.
    /// - Throws: what BoringSSL throws when it cannot sign (callers hide it: it says nothing useful and
    ///   nothing secret, but the key must never be near an error).
    static func sign(appID: Int, key: _RSA.Signing.PrivateKey, now: Date) throws -> String {
        let moment = Int64(now.timeIntervalSince1970.rounded(.down))
        let header = #"{"alg":"RS256","typ":"JWT"}"#
        let claims = #"{"iat":\#(moment - Int64(backdating)),"exp":\#(moment + Int64(lifetime)),"iss":\#(appID)}"#
        let signingInput = base64URL(Data(header.utf8)) + "." + base64URL(Data(claims.utf8))
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// Base64url without padding (RFC 7515 §2).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
