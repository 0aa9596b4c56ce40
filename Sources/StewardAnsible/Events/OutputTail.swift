/// Keeps the end of a byte stream (stderr) within a bound, for error reports.
struct OutputTail: Sendable {
    /// Bytes kept before cutting; larger than what is reported, so redaction sees whole secrets.
    private let capacity: Int
    private var bytes: [UInt8] = []
    private var truncated = false

    init(capacity: Int = 64 * 1024) {
        self.capacity = capacity
    }

    mutating func append(_ chunk: some Sequence<UInt8>) {
        bytes.append(contentsOf: chunk)
        if bytes.count > capacity {
            bytes.removeFirst(bytes.count - capacity)
            truncated = true
        }
    }

    /// The last `maxLines` lines (at most `maxCharacters`), redacted. A line cut by the byte bound is dropped.
    func text(redactor: SecretRedactor, maxLines: Int = 40, maxCharacters: Int = 4000) -> String {
        var lines = redactor.redact(String(decoding: bytes, as: UTF8.self))
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        if truncated, !lines.isEmpty { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        var text = lines.suffix(maxLines).joined(separator: "\n")
        if text.count > maxCharacters { text = String(text.suffix(maxCharacters)) }
        return text
    }
}
