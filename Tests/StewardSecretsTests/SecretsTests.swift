import Crypto
import Foundation
import StewardCore
import StewardSecrets
import StewardStore
import StewardTestSupport
import Testing

struct SecretCipherTests {
    @Test func sealsAndOpensBoundToTheSecretsName() throws {
        let cipher = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        let sealed = try cipher.seal(Data("hunter2".utf8), context: "bot/TOKEN")
        #expect(!sealed.contains(Data("hunter2".utf8)))
        #expect(try cipher.open(sealed, context: "bot/TOKEN") == Data("hunter2".utf8))
        #expect(throws: SecretError.self) { try cipher.open(sealed, context: "bot/OTHER") }
    }

    @Test func aWrongKeyIsAClearErrorNotGarbage() throws {
        let sealed = try AESGCMSecretCipher(key: SymmetricKey(size: .bits256)).seal(Data("hunter2".utf8), context: "bot/TOKEN")
        let error = #expect(throws: SecretError.self) {
            try AESGCMSecretCipher(key: SymmetricKey(size: .bits256)).open(sealed, context: "bot/TOKEN")
        }
        #expect(error?.description.contains("master key is not the one it was stored with") == true)
        #expect(error?.description.contains("hunter2") == false)
    }
}

struct MasterKeyTests {
    @Test func theKeyFileIsCreatedPrivateOnceAndReusedAndTheEnvironmentWins() throws {
        let state = try TemporaryDirectory()
        #expect(throws: SecretError.self) { try MasterKey.load(stateDirectory: state.url, create: false, environment: [:]) }
        let created = try MasterKey.load(stateDirectory: state.url, create: true, environment: [:])
        let file = state.url.appendingPathComponent("master.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(try MasterKey.load(stateDirectory: state.url, create: false, environment: [:]) == created)

        let fromEnvironment = SymmetricKey(size: .bits256)
        let encoded = fromEnvironment.withUnsafeBytes { Data($0).base64EncodedString() }
        #expect(try MasterKey.load(stateDirectory: state.url, create: false, environment: ["STEWARD_MASTER_KEY": encoded]) == fromEnvironment)
        #expect(throws: SecretError.self) {
            try MasterKey.load(stateDirectory: state.url, create: false, environment: ["STEWARD_MASTER_KEY": "short"])
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        let loose = #expect(throws: SecretError.self) { try MasterKey.load(stateDirectory: state.url, create: false, environment: [:]) }
        #expect(loose?.description.contains("chmod 600") == true)
    }
}

struct SecretStoreTests {
    @Test func onlySealedValuesReachTheDatabaseWithVersions() async throws {
        let state = try TemporaryDirectory()
        let store = try SQLStateStore(stateDirectory: state.url)
        let cipher = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        let value = "s3cr3t-value-that-must-not-leak"
        #expect(try await store.setSecret(project: "bot", name: "TOKEN", sealed: try cipher.seal(Data(value.utf8), context: "bot/TOKEN"), at: Date()) == 1)
        #expect(try await store.setSecret(project: "bot", name: "TOKEN", sealed: try cipher.seal(Data(value.utf8), context: "bot/TOKEN"), at: Date()) == 2)
        _ = try await store.setSecret(project: "web", name: "KEY", sealed: Data([1, 2, 3]), at: Date())
        #expect(try await store.secrets(project: "bot").map(\.version) == [2])
        #expect(try await store.secrets(project: nil).map(\.project) == ["bot", "web"])
        let stored = try #require(try await store.secret(project: "bot", name: "TOKEN"))
        #expect(try cipher.open(stored.sealed, context: "bot/TOKEN") == Data(value.utf8))
        for file in try FileManager.default.contentsOfDirectory(atPath: state.path) {
            let bytes = try Data(contentsOf: state.url.appendingPathComponent(file))
            #expect(!bytes.contains(Data(value.utf8)), "\(file) holds the plaintext")
        }
        #expect(try await store.deleteSecret(project: "bot", name: "TOKEN"))
        #expect(try await store.deleteSecret(project: "bot", name: "TOKEN") == false)
    }
}

/// One store, one key: the first command that seals or opens records the key's fingerprint; another key is
/// refused before anything is sealed or opened with it.
struct SecretKeyFingerprintTests {
    @Test func aSecondKeyIsRefusedAndTheFingerprintRevealsNothing() async throws {
        let state = try TemporaryDirectory()
        let store = try SQLStateStore(stateDirectory: state.url)
        let first = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        let other = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        #expect(first.keyFingerprint.count == 64 && first.keyFingerprint != other.keyFingerprint)
        #expect(first.keyFingerprint == first.keyFingerprint)

        try await SecretKeyCheck.verify(first, store: store, at: Date())
        #expect(try await store.secretKeyFingerprint() == first.keyFingerprint)
        _ = try await store.setSecret(project: "bot", name: "TOKEN", sealed: try first.seal(Data("x".utf8), context: "bot/TOKEN"), at: Date())
        try await SecretKeyCheck.verify(first, store: store, at: Date())
        let error = await #expect(throws: SecretKeyMismatch.self) { try await SecretKeyCheck.verify(other, store: store, at: Date()) }
        #expect(error?.description.contains("is not the one this state dir's secrets are sealed with") == true)
        #expect(try await store.secretKeyFingerprint() == first.keyFingerprint)
    }

    /// A store from before fingerprints: the key must open what is stored, and only then is it recorded.
    @Test func secretsStoredBeforeFingerprintsDecideWhichKeyIsRecorded() async throws {
        let state = try TemporaryDirectory()
        let store = try SQLStateStore(stateDirectory: state.url)
        let first = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        _ = try await store.setSecret(project: "bot", name: "TOKEN", sealed: try first.seal(Data("x".utf8), context: "bot/TOKEN"), at: Date())
        let other = AESGCMSecretCipher(key: SymmetricKey(size: .bits256))
        await #expect(throws: SecretError.self) { try await SecretKeyCheck.verify(other, store: store, at: Date()) }
        #expect(try await store.secretKeyFingerprint() == nil)
        try await SecretKeyCheck.verify(first, store: store, at: Date())
        #expect(try await store.secretKeyFingerprint() == first.keyFingerprint)
    }
}
