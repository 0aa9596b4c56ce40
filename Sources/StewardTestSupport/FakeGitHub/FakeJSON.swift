import Foundation

/// A JSON value whose objects keep their key order, so the fake answers with GitHub's field order
/// and the same state always serializes to the same bytes (stable ETags).
enum FakeJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([FakeJSON])
    case object([(String, FakeJSON)])
    /// A value already written as JSON (a cached repository), copied verbatim.
    case serialized([UInt8])

    /// `null` for nil, else the string.
    static func text(_ value: String?) -> FakeJSON {
        value.map(FakeJSON.string) ?? .null
    }

    static func == (lhs: FakeJSON, rhs: FakeJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.serialized(a), .serialized(b)): return a == b
        default: return false
        }
    }

    /// The value for `key` when this is an object.
    subscript(key: String) -> FakeJSON? {
        guard case let .object(pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    /// Compact UTF-8 JSON, as GitHub sends it.
    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return out
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: Self.nullBytes)
        case let .bool(value): out.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        case let .int(value): out.append(contentsOf: String(value).utf8)
        case let .string(value): Self.writeString(value, into: &out)
        case let .serialized(bytes): out.append(contentsOf: bytes)
        case let .array(values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(pairs):
            out.append(UInt8(ascii: "{"))
            for (index, pair) in pairs.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(pair.0, into: &out)
                out.append(UInt8(ascii: ":"))
                pair.1.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let nullBytes = Array("null".utf8)
    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ value: String, into out: inout [UInt8]) {
        let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C
        out.append(quote)
        var text = value
        // Most strings (URLs, names) need no escaping: scan the contiguous UTF-8 and copy it in one go.
        text.withUTF8 { bytes in
            var clean = true
            for byte in bytes where byte < 0x20 || byte == quote || byte == backslash {
                clean = false
                break
            }
            if clean {
                out.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case quote, backslash: out.append(backslash); out.append(byte)
                case 0x0A: out.append(backslash); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(backslash); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(backslash); out.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    out.append(contentsOf: Array("\\u00".utf8))
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                default: out.append(byte)
                }
            }
        }
        out.append(quote)
    }
}

extension FakeJSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int64) { self = .int(value) }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(nilLiteral: ()) { self = .null }
    init(arrayLiteral elements: FakeJSON...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, FakeJSON)...) { self = .object(elements) }
}
