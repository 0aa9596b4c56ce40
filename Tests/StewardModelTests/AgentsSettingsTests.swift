import Foundation
import StewardModel
import Testing

/// `agents:` in steward.yaml: the openai backend's endpoint, model and key variable.
struct AgentsSettingsTests {
    @Test func openaiSettingsAreRead() throws {
        let text = """
            kind: Settings
            agents:
              backend: openai
              endpoint: http://127.0.0.1:8080/v1
              model: gpt-4o-mini
              apiKeyEnv: PO_KEY
            """
        let parsed = ManifestParser().parse(path: "steward.yaml", data: Data(text.utf8))
        #expect(parsed.diagnostics.isEmpty)
        let agents = try #require(parsed.settings?.agents)
        #expect(agents == Settings.Agents(backend: .openai, endpoint: "http://127.0.0.1:8080/v1", model: "gpt-4o-mini", apiKeyEnv: "PO_KEY"))
    }

    @Test func defaultsNeedNothing() throws {
        let parsed = ManifestParser().parse(path: "steward.yaml", data: Data("kind: Settings\nagents: {backend: builtin}\n".utf8))
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.settings?.agents == Settings.Agents())
        #expect(parsed.settings?.agents.apiKeyEnv == "OPENAI_API_KEY")
    }

    /// Settings cached as JSON by an older parser (no openai fields) still decode.
    @Test func olderCachedSettingsDecode() throws {
        let agents = try JSONDecoder().decode(Settings.Agents.self, from: Data(#"{"backend":"builtin"}"#.utf8))
        #expect(agents == Settings.Agents())
    }
}
