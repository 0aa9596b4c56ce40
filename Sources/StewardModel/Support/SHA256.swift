import Foundation

/// SHA-256 (FIPS 180-4) in plain Swift: spec hashes and deploy input hashes, with no C library in the model.
public struct SHA256Digest: Sendable {
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// Hex digest of `data`.
    public static func hex(_ data: Data) -> String {
        data.withUnsafeBytes { hex(digest(UnsafeRawBufferPointer($0))) }
    }

    /// Hex digest of the UTF-8 bytes of `text`.
    public static func hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(digest(UnsafeRawBufferPointer($0))) }
    }

    /// The 32-byte digest.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBytes { digest($0) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (index, byte) in bytes.enumerated() {
            out[index * 2] = hexDigits[Int(byte >> 4)]
            out[index * 2 + 1] = hexDigits[Int(byte & 0x0f)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The 32-byte digest of raw bytes, without copying the message.
    public static func digest(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
        )
        var w = [UInt32](repeating: 0, count: 64)
        var block = [UInt8](repeating: 0, count: 128)
        let fullBlocks = message.count / 64
        w.withUnsafeMutableBufferPointer { w in
            k.withUnsafeBufferPointer { k in
                for blockIndex in 0..<fullBlocks {
                    compress(UnsafeRawBufferPointer(rebasing: message[(blockIndex * 64)..<(blockIndex * 64 + 64)]), &state, w, k)
                }
                // Padding: the rest of the message, 0x80, zeros, the 64-bit big-endian bit length.
                let rest = message.count - fullBlocks * 64
                let tailLength = rest < 56 ? 64 : 128
                for index in 0..<rest { block[index] = message[fullBlocks * 64 + index] }
                block[rest] = 0x80
                let bitLength = UInt64(message.count) &* 8
                for index in 0..<8 { block[tailLength - 1 - index] = UInt8(truncatingIfNeeded: bitLength >> UInt64(index * 8)) }
                block.withUnsafeBytes { tail in
                    for offset in stride(from: 0, to: tailLength, by: 64) {
                        compress(UnsafeRawBufferPointer(rebasing: tail[offset..<(offset + 64)]), &state, w, k)
                    }
                }
            }
        }
        let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
        var out = [UInt8](repeating: 0, count: 32)
        for (index, word) in words.enumerated() {
            out[index * 4] = UInt8(truncatingIfNeeded: word >> 24)
            out[index * 4 + 1] = UInt8(truncatingIfNeeded: word >> 16)
            out[index * 4 + 2] = UInt8(truncatingIfNeeded: word >> 8)
            out[index * 4 + 3] = UInt8(truncatingIfNeeded: word)
        }
        return out
    }

    @inline(__always)
    private static func compress(
        _ chunk: UnsafeRawBufferPointer, _ h: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        _ w: UnsafeMutableBufferPointer<UInt32>, _ k: UnsafeBufferPointer<UInt32>
    ) {
        for i in 0..<16 {
            let j = i * 4
            w[i] = UInt32(chunk[j]) << 24 | UInt32(chunk[j + 1]) << 16 | UInt32(chunk[j + 2]) << 8 | UInt32(chunk[j + 3])
        }
        for i in 16..<64 {
            let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
            let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, hh) = h
        for i in 0..<64 {
            let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
            let ch = (e & f) ^ (~e & g)
            let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            (hh, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
        }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e, h.5 &+ f, h.6 &+ g, h.7 &+ hh)
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 { (self >> count) | (self << (32 - count)) }
}

/// Canonical JSON (sorted keys) and its hash: how specs and deploy inputs are compared.
public enum CanonicalJSON {
    /// Sorted-key JSON bytes of `value`.
    public static func encode<T: Encodable>(_ value: T) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain Codable model values cannot fail; a failure would be a programming error.
        return (try? encoder.encode(value)) ?? Data()
    }

    /// SHA-256 hex of the canonical JSON of `value`.
    public static func hash<T: Encodable>(_ value: T) -> String { SHA256Digest.hex(encode(value)) }
}
