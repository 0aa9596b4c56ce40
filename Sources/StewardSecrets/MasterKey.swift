import Crypto
import Foundation

/// The key that seals every secret: `$STEWARD_MASTER_KEY` (base64 of 32 bytes), else a 0600 file
/// `master.key` in the state dir, created with a random key on first use.
public enum MasterKey {
    public static let environmentVariable = "STEWARD_MASTER_KEY"
    public static let fileName = "master.key"

    /// - Parameter create: make the key file when there is none (setting a secret); reading never creates one.
    /// - Throws: `SecretError` when the variable or file is not a base64 32-byte key, or the file is readable by others.
    public static func load(
        stateDirectory: URL, create: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SymmetricKey {
        if let text = environment[environmentVariable], !text.isEmpty {
            return try decode(text, from: "$\(environmentVariable)")
        }
        let file = stateDirectory.appendingPathComponent(fileName)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: file.path) {
            let attributes = try fileManager.attributesOfItem(atPath: file.path)
            let permissions = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0
            guard permissions & 0o077 == 0 else {
                throw SecretError("\(file.path) is readable by other users (mode \(String(permissions, radix: 8))); "
                    + "run chmod 600 on it")
            }
            return try decode(String(decoding: try Data(contentsOf: file), as: UTF8.self), from: file.path)
        }
        guard create else {
            throw SecretError("no master key: set \(environmentVariable) or keep \(file.path) from when the secrets were set")
        }
        let key = SymmetricKey(size: .bits256)
        let encoded = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        try fileManager.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        // Created 0600 before anything is written, so the key is never readable by others.
        guard fileManager.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw SecretError("cannot create \(file.path)")
        }
        try Data(encoded.utf8).write(to: file)
        return key
    }

    private static func decode(_ text: String, from source: String) throws -> SymmetricKey {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), data.count == 32 else {
            throw SecretError("\(source) is not a master key: expected base64 of 32 random bytes (`openssl rand -base64 32`)")
        }
        return SymmetricKey(data: data)
    }
}
