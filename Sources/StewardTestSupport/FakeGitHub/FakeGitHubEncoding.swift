import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Formats and hashes the fake GitHub needs: timestamps, ETags, base64url.
enum FakeGitHubEncoding {
    /// `2011-01-26T19:01:12Z`, as GitHub writes `created_at`.
    static func iso8601(_ date: Date) -> String {
        let parts = utc(date)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))"
            + "T\(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec))Z"
    }

    /// `Tue, 25 Jun 2013 19:27:36 GMT` (RFC 9110 IMF-fixdate) for `date:`.
    static func httpDate(_ date: Date) -> String {
        let parts = utc(date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(days[Int(parts.tm_wday)]), \(pad(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(pad(parts.tm_year + 1900, 4))"
            + " \(pad(parts.tm_hour)):\(pad(parts.tm_min)):\(pad(parts.tm_sec)) GMT"
    }

    private static func pad(_ value: Int32, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func utc(_ date: Date) -> tm {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return parts
    }

    /// An opaque tag for `body`: two FNV-1a-style 64-bit hashes (different offsets) over 8-byte words,
    /// 32 hex digits. Words rather than bytes keep a 500 KB page cheap even in debug builds.
    static func entityTag(of body: [UInt8]) -> String {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x6c62_272e_07bb_0142
        body.withUnsafeBytes { raw in
            let words = raw.count / 8
            var offset = 0
            for _ in 0..<words {
                let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                first = (first ^ word) &* prime
                second = (second ^ (word >> 7 | word << 57)) &* prime
                offset += 8
            }
            while offset < raw.count {
                first = (first ^ UInt64(raw[offset])) &* prime
                second = (second ^ UInt64(raw[offset])) &* prime
                offset += 1
            }
        }
        second ^= UInt64(body.count)
        return hex(first) + hex(second)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Whether an `If-None-Match` value names `etag`, by weak comparison (RFC 9110 §13.1.2).
    static func ifNoneMatch(_ header: String, matches etag: String) -> Bool {
        let wanted = opaque(etag)
        return header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || opaque(trimmed) == wanted
        }
    }

    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }

    /// Decodes base64url without padding (JWT segments); nil if a character is outside the alphabet.
    static func base64URLDecode(_ text: Substring) -> Data? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }

    /// GitHub's legacy global node id: base64 of `<length>:<Type><id>`, e.g. `MDEwOlJlcG9zaXRvcnkxMjk2MjY5`.
    static func nodeID(type: String, id: Int64) -> String {
        Data("0\(type.count):\(type)\(id)".utf8).base64EncodedString()
    }
}
