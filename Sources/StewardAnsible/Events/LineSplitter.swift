/// Splits a byte stream into lines as chunks arrive (a chunk may end mid-line or mid-character).
struct LineSplitter: Sendable {
    private var pending: [UInt8] = []

    /// Appends `chunk`. - Returns: the lines it completes, without their `\n` (and `\r`).
    mutating func append(_ chunk: some Sequence<UInt8>) -> [String] {
        pending.append(contentsOf: chunk)
        guard let lastNewline = pending.lastIndex(of: UInt8(ascii: "\n")) else { return [] }
        let complete = pending[..<lastNewline]
        pending.removeSubrange(...lastNewline)
        return complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Self.decode)
    }

    /// The unterminated last line, if any, once the stream has ended.
    mutating func finish() -> String? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : Self.decode(pending[...])
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var line = bytes
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        return String(decoding: line, as: UTF8.self)
    }
}
