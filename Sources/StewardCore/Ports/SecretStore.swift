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
}

/// Seals and opens secret values. `context` (`project/NAME`) is authenticated, so a sealed value cannot be
/// moved to another name.
public protocol SecretCipher: Sendable {
    func seal(_ plaintext: Data, context: String) throws -> Data
    /// - Throws: when the key is not the one the value was sealed with, or the data was altered.
    func open(_ sealed: Data, context: String) throws -> Data
}
