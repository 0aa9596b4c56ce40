import Foundation

/// One stored secret: its value only ever sealed (AES-GCM) at rest.
public struct SecretRecord: Sendable, Hashable {
    public var project: String
    public var name: String
    /// Incremented on every `set`: part of the deploy inputs, so a new value redeploys.
    public var version: Int
    public var sealed: Data
    public var updatedAt: Date

    public init(project: String, name: String, version: Int, sealed: Data, updatedAt: Date) {
        self.project = project
        self.name = name
        self.version = version
        self.sealed = sealed
        self.updatedAt = updatedAt
    }
}

/// Encrypted project secrets (`${secret:NAME}` in `spec.env`), sealed before they reach the store.
public protocol SecretStore: Sendable {
    /// Stores the sealed value, replacing an older one. - Returns: the new version.
    func setSecret(project: String, name: String, sealed: Data, at time: Date) async throws -> Int
    func secret(project: String, name: String) async throws -> SecretRecord?
    /// Every secret (of one project, or all when nil), by project and name.
    func secrets(project: String?) async throws -> [SecretRecord]
    /// - Returns: whether there was one.
    func deleteSecret(project: String, name: String) async throws -> Bool
    /// The fingerprint of the master key the secrets are sealed with (`SecretCipher.keyFingerprint`), nil until
    /// the first secret command that sealed or opened one recorded it.
    func secretKeyFingerprint() async throws -> String?
    /// Records `fingerprint` unless one is recorded. - Returns: the recorded one (this or the earlier).
    func recordSecretKeyFingerprint(_ fingerprint: String, at time: Date) async throws -> String
}

/// Checks that a cipher's key is the one the store's secrets are sealed with, before anything is sealed or
/// opened with it: one store never holds secrets under two keys, and a wrong key is a clear error at once.
public enum SecretKeyCheck {
    /// - Throws: `SecretKeyMismatch` for another key; the cipher's error when no fingerprint is recorded yet and
    ///   the key cannot open a secret stored before fingerprints existed.
    public static func verify(_ cipher: any SecretCipher, store: any SecretStore, at time: Date) async throws {
        let fingerprint = cipher.keyFingerprint
        if let recorded = try await store.secretKeyFingerprint() {
            guard recorded == fingerprint else { throw SecretKeyMismatch(recorded: recorded, given: fingerprint) }
            return
        }
        // Secrets stored before fingerprints were: the key must open them, or it is another key.
        if let stored = try await store.secrets(project: nil).first {
            _ = try cipher.open(stored.sealed, context: "\(stored.project)/\(stored.name)")
        }
        let recorded = try await store.recordSecretKeyFingerprint(fingerprint, at: time)
        guard recorded == fingerprint else { throw SecretKeyMismatch(recorded: recorded, given: fingerprint) }
    }
}

/// The master key given is not the one the state dir's secrets are sealed with.
public struct SecretKeyMismatch: Error, Sendable, CustomStringConvertible {
    public var recorded: String
    public var given: String
    public var description: String {
        "the master key (fingerprint \(given.prefix(12))) is not the one this state dir's secrets are sealed with "
            + "(fingerprint \(recorded.prefix(12))): use the same STEWARD_MASTER_KEY, or STATE/master.key, as when they were set"
    }
}

/// Seals and opens secret values. `context` (`project/NAME`) is authenticated, so a sealed value cannot be
/// moved to another name.
public protocol SecretCipher: Sendable {
    /// Identifies the key without revealing it (an HMAC of a constant under the key), hex.
    var keyFingerprint: String { get }
    func seal(_ plaintext: Data, context: String) throws -> Data
    /// - Throws: when the key is not the one the value was sealed with, or the data was altered.
    func open(_ sealed: Data, context: String) throws -> Data
}
