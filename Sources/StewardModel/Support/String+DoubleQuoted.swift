extension String {
    /// The text as one double-quoted scalar that both JSON (`json.loads`) and YAML read back exactly: `"`, `\`,
    /// `\n`, `\r`, `\t` escaped, and as `\uXXXX` the other C0 and C1 controls, DEL, NEL, the Unicode line and
    /// paragraph separators and U+FFFE/U+FFFF (what YAML would fold or reject). Used for the Ansible vars files
    /// and the `.env` file, so neither can split one value in two.
    public var doubleQuoted: String {
        var out = "\""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                let value = scalar.value
                if value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
                    || value == 0xFFFE || value == 0xFFFF
                {
                    let hex = String(value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
