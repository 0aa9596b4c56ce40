/// The raw bytes of a YAML file with its line starts: turns byte offsets into the 1-based line and column
/// libyaml reports (columns count Unicode scalars, as libyaml's marks do), and finds encoding problems
/// before libyaml does, so they can be reported where they are.
struct YAMLSourceText {
    let bytes: [UInt8]
    /// Byte offset of the start of each line; `lineStarts[0] == 0`.
    let lineStarts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if byte == 0x0A || (byte == 0x0D && (index == bytes.count || bytes[index] != 0x0A)) {
                starts.append(index)
            }
        }
        lineStarts = starts
    }

    /// 1-based line and column of the byte at `offset` (clamped to the text).
    func position(ofByte offset: Int) -> (line: Int, column: Int) {
        let offset = min(max(offset, 0), bytes.count)
        // The last line start at or before `offset`.
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var scalarsBefore = bytes[lineStarts[low]..<offset].reduce(0) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        // libyaml consumes a byte order mark without counting it as a column.
        if low == 0, offset >= 3, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scalarsBefore -= 1 }
        return (low + 1, scalarsBefore + 1)
    }

    /// The character at a 1-based line and column as libyaml counts them, or nil past the end of the line.
    func characterAt(line: Int, column: Int) -> Character? {
        guard line >= 1, line <= lineStarts.count, column >= 1 else { return nil }
        var index = lineStarts[line - 1]
        if line == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        var remaining = column - 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D { return nil }
            let width = byte < 0x80 ? 1 : byte & 0xE0 == 0xC0 ? 2 : byte & 0xF0 == 0xE0 ? 3 : 4
            if remaining == 0 {
                let end = min(index + width, bytes.count)
                return String(decoding: bytes[index..<end], as: UTF8.self).first
            }
            remaining -= 1
            index += width
        }
        return nil
    }

    /// Byte offset of the first line at or after `line` (1-based) that starts a new document (`---` followed by
    /// a space, a tab, a line break or the end), or nil when there is none.
    func documentStart(atOrAfter line: Int) -> Int? {
        guard line >= 1 else { return documentStart(atOrAfter: 1) }
        for start in lineStarts.dropFirst(line - 1) {
            guard start + 3 <= bytes.count, bytes[start] == 0x2D, bytes[start + 1] == 0x2D, bytes[start + 2] == 0x2D else {
                continue
            }
            if start + 3 == bytes.count || [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 3]) { return start }
        }
        return nil
    }

    /// The first byte sequence that is not UTF-8, or a character YAML does not allow in a stream
    /// (control characters other than tab and line breaks, surrogates, U+FFFE/U+FFFF).
    /// - Returns: the byte offset and a message saying what was found and what is expected, or nil.
    func encodingProblem() -> (offset: Int, message: String)? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead < 0x20 && lead != 0x09 && lead != 0x0A && lead != 0x0D || lead == 0x7F {
                    return (index, "control character \(Self.codePoint(UInt32(lead))) is not allowed in YAML; "
                        + "remove it, or write it as an escape (\"\\x\(Self.hex(UInt32(lead)))\") in a double-quoted string")
                }
                index += 1
                continue
            }
            let width = lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 0
            var value = UInt32(lead & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07))
            var valid = width > 0 && index + width <= bytes.count
            if valid {
                for next in bytes[(index + 1)..<(index + width)] {
                    guard next & 0xC0 == 0x80 else {
                        valid = false
                        break
                    }
                    value = value << 6 | UInt32(next & 0x3F)
                }
            }
            let minimum: UInt32 = width == 2 ? 0x80 : width == 3 ? 0x800 : 0x10000
            if !valid || value < minimum || (0xD800...0xDFFF).contains(value) || value > 0x10FFFF {
                return (index, "invalid UTF-8: byte 0x\(Self.hex(UInt32(lead))) does not start a valid UTF-8 sequence; "
                    + "manifest files must be UTF-8 text")
            }
            // libyaml's reader rejects C1 controls other than NEL, and the non-characters U+FFFE and U+FFFF.
            if (0x80...0x9F).contains(value) && value != 0x85 || value == 0xFFFE || value == 0xFFFF {
                return (index, "control character \(Self.codePoint(value)) is not allowed in YAML; remove it")
            }
            index += width
        }
        return nil
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 2 - digits.count)) + digits
    }

    private static func codePoint(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
