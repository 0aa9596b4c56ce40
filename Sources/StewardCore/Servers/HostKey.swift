import Foundation
import StewardModel

/// An SSH public host key as `TYPE BASE64` (the comment of a `.pub` line dropped), with its fingerprint.
public struct HostKey: Sendable, Hashable, CustomStringConvertible {
    public var type: String
    public var base64: String

    /// Parses `TYPE BASE64 [comment]`; nil when there are fewer than two fields.
    public init?(_ text: String) {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard parts.count >= 2 else { return nil }
        type = String(parts[0])
        base64 = String(parts[1])
    }

    /// `TYPE BASE64`, as stored and written to known_hosts.
    public var description: String { "\(type) \(base64)" }

    /// `SHA256:…` as `ssh-keygen -lf` prints it (unpadded base64 of the SHA-256 of the key blob).
    public var fingerprint: String {
        guard let blob = Data(base64Encoded: base64) else { return "SHA256:?" }
        let digest = Data(SHA256Digest.digest(Array(blob))).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The key trust on first use records: ed25519, else ECDSA, else RSA, else the first one.
    public static func preferred(_ keys: [HostKey]) -> HostKey? {
        for prefix in ["ssh-ed25519", "ecdsa-sha2-", "rsa-sha2-", "ssh-rsa"] {
            if let key = keys.first(where: { $0.type.hasPrefix(prefix) }) { return key }
        }
        return keys.first
    }

    /// Fingerprint of a stored `TYPE BASE64` key, or `-`.
    public static func fingerprint(of text: String?) -> String {
        text.flatMap(HostKey.init).map(\.fingerprint) ?? "-"
    }
}
