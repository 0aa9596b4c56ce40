extension String {
    /// The first non-empty line, for one-line summaries of a multi-line message (an agent's question, an app's
    /// log tail); `more` is appended when other non-empty lines follow it.
    public func firstLine(more: String = "") -> String {
        let lines = split(whereSeparator: \.isNewline)
        guard let first = lines.first else { return "" }
        return String(first) + (lines.count > 1 ? more : "")
    }
}
