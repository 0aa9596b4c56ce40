/// An ordered list of HTTP header fields. Names compare case-insensitively; a name may appear several
/// times (`Link`, `Set-Cookie`) and every value is kept in order.
///
/// `description` and the mirror show header names only: values such as `Authorization` never reach logs,
/// errors or test failure messages.
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral,
    CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable
{
    /// One header field.
    public typealias Field = (name: String, value: String)

    /// The fields, in the order they were added or received.
    public private(set) var fields: [Field]

    /// Headers from `fields`, in order.
    public init(_ fields: [Field] = []) {
        self.fields = fields
    }

    /// Headers from a literal; order and repeated names are kept.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// Appends a field, keeping any earlier ones with the same name.
    public mutating func add(name: String, value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(name: String) {
        fields.removeAll { Self.namesMatch($0.name, name) }
    }

    /// Every value of the fields named `name` (case-insensitive), in order; empty when there is none.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    /// The first value of the field named `name` (case-insensitive); `values(for:)` gives all of them.
    public subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    /// Whether a field named `name` (case-insensitive) is present.
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.namesMatch($0.name, name) }
    }

    /// The number of fields.
    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[Field]> {
        fields.makeIterator()
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public var description: String {
        "[" + fields.map(\.name).joined(separator: ", ") + "]"
    }

    public var debugDescription: String { "HTTPHeaders" + description }

    public var customMirror: Mirror {
        Mirror(self, children: ["names": fields.map(\.name)], displayStyle: .struct)
    }

    /// Appends `text` to the last field's value, separated by a space (obsolete line folding); no-op when empty.
    mutating func continueLastValue(_ text: String) {
        guard let last = fields.indices.last else { return }
        fields[last].value += " " + text
    }

    static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.lowercased() == rhs.lowercased()
    }

    /// RFC 9110 `tchar`: the bytes allowed in a method or a field name.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
