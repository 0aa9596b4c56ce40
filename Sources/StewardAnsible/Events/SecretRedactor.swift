import Foundation

/// Replaces secret values with `***` in text that leaves a run (task messages, stderr, errors).
public struct SecretRedactor: Sendable, Hashable {
    /// The text that takes the place of each secret.
    public static let mask = "***"

    /// Forms to look for, longest first, so a secret that contains another is masked whole.
    private let needles: [String]

    /// - Parameter secrets: raw secret values; empty strings are ignored. Each one is also matched in
    ///   its JSON-escaped form, which is how a multi-line secret appears inside a dumped result.
    public init(secrets: [String]) {
        var forms: Set<String> = []
        for secret in secrets where !secret.isEmpty {
            forms.insert(secret)
            let escaped = Self.jsonEscaped(secret)
            if escaped != secret { forms.insert(escaped) }
        }
        needles = forms.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { needles.isEmpty }

    /// `text` with every secret replaced by ``mask``.
    public func redact(_ text: String) -> String {
        var result = text
        for needle in needles where result.contains(needle) {
            result = result.replacingOccurrences(of: needle, with: Self.mask)
        }
        return result
    }

    /// `text` redacted, or nil when `text` is nil.
    public func redact(_ text: String?) -> String? {
        text.map(redact)
    }

    private static func jsonEscaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
