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

    /// Why `name` is not an RFC 1123 DNS label (completing "it …"), or nil when it is one.
    public static func dnsLabelProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if let bad = name.first(where: { !($0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-")) }) {
            return bad.isUppercase ? "contains uppercase letter '\(bad)'" : "contains '\(bad)'"
        }
        if name.count > 63 { return "is \(name.count) characters long" }
        if name.hasPrefix("-") { return "starts with '-'" }
        if name.hasSuffix("-") { return "ends with '-'" }
        return nil
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

    /// A git ref name as `git check-ref-format --allow-onelevel` would take it.
    public static func isRefName(_ ref: String) -> Bool {
        guard !ref.isEmpty, ref != "@", !ref.hasPrefix("-"), !ref.hasSuffix("."), !ref.contains(".."), !ref.contains("@{") else {
            return false
        }
        // Per component: not empty (no leading, trailing or double '/'), not starting with '.', not ending in ".lock".
        let components = ref.split(separator: "/", omittingEmptySubsequences: false)
        guard components.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.hasSuffix(".lock") }) else { return false }
        return ref.unicodeScalars.allSatisfy { s in
            s.value > 32 && s.value != 127 && !"~^:?*[\\ ".unicodeScalars.contains(s)
        }
    }

    /// A POSIX-ish user name.
    public static func isUserName(_ user: String) -> Bool {
        guard (1...32).contains(user.count), let first = user.first, first.isLetter || first == "_" else { return false }
        return user.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// SSH host key algorithms `hostKey` may name (OpenSSH's `ssh -Q HostKeyAlgorithms`, without certificates).
    public static let hostKeyTypes = [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa", "ssh-dss",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ]

    /// Why `key` is not a public host key line `TYPE BASE64 [COMMENT]` (a phrase such as "has no key data"), or nil.
    public static func hostKeyProblem(_ key: String) -> String? {
        let parts = key.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let type = parts.first.map(String.init) else { return "is empty" }
        guard hostKeyTypes.contains(type) else {
            if parts.count >= 3, hostKeyTypes.contains(String(parts[1])) {
                return "starts with \"\(type)\", which looks like the host field of a known_hosts line; remove it"
            }
            return "has unknown key type \"\(type)\"" + (parts.count == 1 ? " and no key data" : "")
        }
        guard parts.count >= 2 else { return "has no key data after \"\(type)\"" }
        let data = parts[1].utf8
        let padding = data.reversed().prefix(while: { $0 == 61 }).count
        let isBase64 = data.count % 4 == 0 && data.count >= 16 && padding <= 2
            && data.dropLast(padding).allSatisfy { b in
                (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 43 || b == 47
            }
        return isBase64 ? nil : "has key data that is not base64"
    }

    /// Whether `name` can name a secret: 1–128 letters, digits, '_', '-', '.', starting with a letter or '_'.
    public static func isSecretName(_ name: String) -> Bool {
        guard (1...128).contains(name.count), let first = name.first, first.isASCII, first.isLetter || first == "_" else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// Whether `name` is a portable environment variable name: 1–128 ASCII letters, digits and '_', not starting
    /// with a digit.
    public static func isEnvironmentVariableName(_ name: String) -> Bool {
        guard (1...128).contains(name.count), let first = name.first, first.isASCII, first.isLetter || first == "_" else {
            return false
        }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Why a playbook path (relative to `playbooks/`) is not acceptable, or nil when it is.
    /// Symlinks are checked later, against the repo tree.
    public static func playbookPathProblem(_ path: String) -> String? {
        if path.isEmpty { return "must not be empty" }
        if path.hasPrefix("/") || path.hasPrefix("~") { return "must be relative to playbooks/, not absolute" }
        if path.contains("\\") { return "must use '/' as separator" }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        if components.contains("..") { return "escapes playbooks/: '..' is not allowed" }
        // The tree is looked up by exact path, so "./x.yml" or "a//x.yml" would never be found.
        if components.contains(where: { $0.isEmpty || $0 == "." }) { return "must be a plain path: no '.' or empty components" }
        if !(path.hasSuffix(".yml") || path.hasSuffix(".yaml")) { return "must name a .yml or .yaml file" }
        return nil
    }

    /// Seconds in `90`, `90s`, `5m`, `1h`, `1h30m`, `2d`; nil when malformed (signs, spaces, fractions, other units).
    public static func durationSeconds(_ text: String) -> Int? {
        if !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) { return Int(text) }
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
