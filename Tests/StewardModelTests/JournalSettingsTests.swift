import Foundation
import StewardModel
import Testing

/// `journal:` in steward.yaml: how long and how many `steward logs` lines are kept.
struct JournalSettingsTests {
    @Test func retentionIsReadWithDefaults() throws {
        let defaults = ManifestParser().parse(path: "steward.yaml", data: Data("kind: Settings\n".utf8))
        #expect(defaults.settings?.journal == Settings.Journal(maxAge: 14 * 86_400, maxRows: 1_000_000))
        let text = "kind: Settings\njournal: {maxAge: 2d, maxRows: 5000}\n"
        let parsed = ManifestParser().parse(path: "steward.yaml", data: Data(text.utf8))
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.settings?.journal == Settings.Journal(maxAge: 2 * 86_400, maxRows: 5_000))
    }

    @Test func badValuesNameTheField() {
        let text = "kind: Settings\njournal:\n  maxAge: soon\n  maxRows: 10\n  keep: all\n"
        let messages = ManifestParser().parse(path: "steward.yaml", data: Data(text.utf8)).diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("steward.yaml:3:") && $0.contains("journal.maxAge") }, "\(messages)")
        #expect(messages.contains { $0.contains("steward.yaml:4:") && $0.contains("maxRows") }, "\(messages)")
        #expect(messages.contains { $0.contains("keep") }, "\(messages)")
    }
}
