import StewardModel

/// A plain-text table with aligned columns; the last column is not padded.
///
/// A cell is one line: a multi-line value (an agent's question, an app's log tail) shows its first line and
/// ` …` (the whole text is in `describe` and `-o json`).
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let all = ([header] + rows).map { $0.map { $0.firstLine(more: " …").escapingControlCharacters() } }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "   ")
        }.joined(separator: "\n")
    }
}
