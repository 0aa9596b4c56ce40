import Foundation
import StewardModel

/// Names for projects the PO creates: DNS labels derived from what a person wrote.
public enum ProjectNaming {
    /// Words that end the noun phrase naming the thing ("a bot *that* reports the weather").
    private static let stopWords: Set<String> = [
        "that", "which", "who", "where", "with", "for", "to", "in", "on", "using", "from", "and", "by", "of", "so",
    ]
    private static let articles: Set<String> = ["a", "an", "the", "my", "our", "some", "new", "simple", "small"]

    /// A DNS label for a project built from `brief`: the first words of its noun phrase, at most three
    /// (`"a url shortener"` -> `url-shortener`, `"A Telegram bot that reports the weather"` -> `telegram-bot`).
    /// - Returns: nil when the brief has no usable word.
    public static func name(forBrief brief: String) -> String? {
        var words: [String] = []
        for word in self.words(brief) {
            if words.isEmpty, articles.contains(word) { continue }
            if stopWords.contains(word) { break }
            words.append(word)
            if words.count == 3 { break }
        }
        return label(words.joined(separator: "-"))
    }

    /// `text` as a DNS label: lowercased, runs of other characters turned into one `-`, trimmed to 63
    /// characters. - Returns: nil when nothing valid remains.
    public static func label(_ text: String) -> String? {
        let joined = words(text).joined(separator: "-")
        var label = String(joined.prefix(63))
        while label.hasSuffix("-") { label.removeLast() }
        guard !label.isEmpty, let first = label.first, first.isLetter, Validation.isDNSLabel(label) else { return nil }
        return label
    }

    /// Lowercased ASCII words of letters and digits.
    static func words(_ text: String) -> [String] {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased().split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }.map(String.init)
    }
}
