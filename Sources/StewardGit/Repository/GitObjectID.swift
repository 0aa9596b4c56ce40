import CLibGit2

/// A git object id (SHA-1), kept as 40 lowercase hex digits.
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The id as 40 lowercase hex digits.
    public let hex: String

    /// - Returns: nil unless `hex` is exactly 40 hex digits (either case).
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy(\.isHexDigit) else { return nil }
        self.hex = hex.lowercased()
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    init(_ oid: git_oid) {
        // Formatting by hand avoids a C string round trip per tree entry, which shows in large trees.
        let digits = Self.digits
        hex = withUnsafeBytes(of: oid.id) { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
                for (index, byte) in bytes.enumerated() {
                    buffer[2 * index] = digits[Int(byte >> 4)]
                    buffer[2 * index + 1] = digits[Int(byte & 0x0F)]
                }
                return bytes.count * 2
            }
        }
    }

    /// The id in libgit2's binary form.
    func oid() throws(GitError) -> git_oid {
        var oid = git_oid()
        try gitCheck(git_oid_fromstrn(&oid, hex, 40), "parse object id \(hex)")
        return oid
    }

    /// The 40 hex digits.
    public var description: String { hex }
}
