extension String {
    /// The text with every character a terminal would act on instead of show written as `\u{…}`: C0 and C1
    /// controls (ESC, NUL, CR, …), DEL, and the Unicode bidirectional and line-separator controls (U+202E can
    /// make a line read backwards). Names, messages and answers come from manifests, agents and people; printed
    /// raw they could forge diagnostic lines or recolour a terminal.
    /// - Parameter keepingNewlines: keep `\n` (multi-line output such as `describe`); else it is escaped too, so one
    ///   value is always one line.
    public func escapingControlCharacters(keepingNewlines: Bool = false) -> String {
        guard unicodeScalars.contains(where: { Self.isControl($0) }) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if Self.isControl(scalar), !(keepingNewlines && scalar == "\n") {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x08, 0x0A...0x1F, 0x7F...0x9F: true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: true
        default: false
        }
    }
}
