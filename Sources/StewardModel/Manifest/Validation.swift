/// Field-level syntax rules shared by the parser and the validator.
public enum Validation {
    /// RFC 1123 DNS label: 1–63 of `[a-z0-9-]`, starting and ending with a letter or digit.
    public static func isDNSLabel(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 45 }
    }

    /// `OWNER/NAME` with GitHub's characters; neither part `.` or `..`.
    public static func isRepoName(_ repo: String) -> Bool {
        let parts = repo.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part.count <= 100 && part != "." && part != ".."
                && part.utf8.allSatisfy { b in
                    (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 45 || b == 46 || b == 95
                }
        }
    }

    /// A git ref name as `git check-ref-format` would take it (the common rules).
    public static func isRefName(_ ref: String) -> Bool {
        guard !ref.isEmpty, !ref.hasPrefix("/"), !ref.hasSuffix("/"), !ref.hasSuffix("."), !ref.hasPrefix("-") else { return false }
        guard !ref.contains(".."), !ref.contains("//"), !ref.contains("@{"), !ref.hasSuffix(".lock") else { return false }
        return ref.unicodeScalars.allSatisfy { s in
            s.value > 32 && s.value != 127 && !"~^:?*[\\ ".unicodeScalars.contains(s)
        }
    }

    /// A POSIX-ish user name.
    public static func isUserName(_ user: String) -> Bool {
        guard (1...32).contains(user.count), let first = user.first, first.isLetter || first == "_" else { return false }
        return user.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// Why a playbook path (relative to `playbooks/`) is not acceptable, or nil when it is.
    /// Symlinks are checked later, against the repo tree.
    public static func playbookPathProblem(_ path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") { return "must be relative to playbooks/, not absolute" }
        if path.contains("\\") { return "must use '/' as separator" }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            return "escapes playbooks/: '..' is not allowed"
        }
        if !(path.hasSuffix(".yml") || path.hasSuffix(".yaml")) { return "must name a .yml or .yaml file" }
        return nil
    }

    /// Seconds in `90`, `90s`, `5m`, `1h`, `1h30m`, `2d`; nil when malformed.
    public static func durationSeconds(_ text: String) -> Int? {
        if let plain = Int(text) { return plain }
        var total = 0
        var number = ""
        for character in text {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            guard let value = Int(number), number.count <= 9 else { return nil }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
        }
        return number.isEmpty && !text.isEmpty ? total : nil
    }
}
