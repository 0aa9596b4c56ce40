import Crypto
import Foundation
import StewardCore

/// AES-256-GCM sealing of secret values; `project/NAME` is the authenticated associated data.
public struct AESGCMSecretCipher: SecretCipher {
    /// Kept as bytes: swift-crypto 3's `SymmetricKey` is not `Sendable`.
    private let keyBytes: Data

    public init(key: SymmetricKey) {
        self.keyBytes = key.withUnsafeBytes { Data($0) }
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// HMAC-SHA256 of a fixed label under the key: the same key always gives the same fingerprint, and the
    /// fingerprint tells nothing about the key.
    public var keyFingerprint: String {
        HMAC<SHA256>.authenticationCode(for: Data("steward secret key fingerprint v1".utf8), using: key)
            .map { String(format: "%02x", $0) }.joined()
    }

    public func seal(_ plaintext: Data, context: String) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8)).combined else {
            throw SecretError("sealing the secret \(context) failed")
        }
        return combined
    }

    public func open(_ sealed: Data, context: String) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(context.utf8))
        } catch {
            throw SecretError("cannot decrypt the secret \(context): the master key is not the one it was stored with "
                + "(STEWARD_MASTER_KEY, else master.key in the state dir), or the stored value was altered")
        }
    }
}

/// A secret could not be sealed, opened, or its key loaded. Never contains a secret value or key.
public struct SecretError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
