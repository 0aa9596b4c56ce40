import Foundation
import StewardModel
import Testing

/// `intervals.resync` and `shutdownGrace` in steward.yaml: how often `steward run` reconciles every key again, and how
/// long it lets work finish after SIGTERM.
struct ControllerSettingsTests {
    @Test func resyncAndGraceAreReadWithDefaults() throws {
        let defaults = try #require(ManifestParser().parse(path: "steward.yaml", data: Data("kind: Settings\n".utf8)).settings)
        #expect(defaults.intervals.resync == 600)
        #expect(defaults.shutdownGrace == 120)
        let text = "kind: Settings\nintervals: {resync: 2m}\nshutdownGrace: 30s\n"
        let parsed = ManifestParser().parse(path: "steward.yaml", data: Data(text.utf8))
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.settings?.intervals.resync == 120)
        #expect(parsed.settings?.shutdownGrace == 30)
    }

    @Test func badValuesNameTheField() {
        let text = "kind: Settings\nintervals:\n  resync: never\nshutdownGrace: -5\n"
        let messages = ManifestParser().parse(path: "steward.yaml", data: Data(text.utf8)).diagnostics.map(\.description)
        #expect(messages.contains { $0.contains("steward.yaml:3:") && $0.contains("intervals.resync") }, "\(messages)")
        #expect(messages.contains { $0.contains("steward.yaml:4:") && $0.contains("shutdownGrace") }, "\(messages)")
    }
}
