import Foundation
import StewardModel
import StewardPO
import Testing

/// Appending a change request edits only the lines it must: comments and formatting stay.
struct ManifestChangeEditorTests {
    static let header = """
        # Weather bot: owned by the bots team.
        apiVersion: steward/v1
        kind: Project
        metadata:
          name: weather-bot   # DNS label
        """

    func append(_ text: String, project: String = "weather-bot", _ description: String = "add a /forecast command") throws -> (text: String, id: String) {
        try ManifestChangeEditor().appendChange(to: text, path: "manifests/weather-bot.yaml", project: project, description: description)
    }

    func changes(_ text: String, project: String = "weather-bot") throws -> [ProjectSpec.Change] {
        let parsed = ManifestParser().parse(path: "manifests/weather-bot.yaml", data: Data(text.utf8))
        #expect(!parsed.diagnostics.hasErrors, "\(parsed.diagnostics)")
        return try #require(parsed.projects.first { $0.name == project }).spec.changes
    }

    @Test func addsChangesToASpecWithoutThem() throws {
        let text = Self.header + """

            spec:
              repo: acme/weather-bot
              # what to build
              brief: "Telegram bot that reports the weather"
              stage: active   # carry it all the way

            # trailing comment about the file
            """
        let edited = try append(text)
        #expect(edited.id == "add-a-forecast-command")
        #expect(edited.text == Self.header + """

            spec:
              repo: acme/weather-bot
              # what to build
              brief: "Telegram bot that reports the weather"
              stage: active   # carry it all the way
              changes:
                - id: add-a-forecast-command
                  description: "add a /forecast command"

            # trailing comment about the file
            """)
        #expect(try changes(edited.text) == [ProjectSpec.Change(id: "add-a-forecast-command", description: "add a /forecast command")])
    }

    @Test func appendsToABlockListKeepingItsIndentationAndComments() throws {
        let text = Self.header + """

            spec:
              repo: acme/weather-bot
              changes:
              # the first one
              - id: add-forecast
                description: "Add a /forecast command"   # done in v2
              stage: active
            """
        let edited = try append(text, "add a /forecast command")
        #expect(edited.id == "add-a-forecast-command")
        #expect(edited.text == Self.header + """

            spec:
              repo: acme/weather-bot
              changes:
              # the first one
              - id: add-forecast
                description: "Add a /forecast command"   # done in v2
              - id: add-a-forecast-command
                description: "add a /forecast command"
              stage: active
            """)
        #expect(try changes(edited.text).map(\.id) == ["add-forecast", "add-a-forecast-command"])
    }

    @Test func aTakenIDGetsASuffix() throws {
        var text = Self.header + "\nspec:\n  repo: acme/weather-bot\n"
        for _ in 0..<3 { text = try append(text, "Add units").text }
        #expect(try changes(text).map(\.id) == ["add-units", "add-units-2", "add-units-3"])
    }

    @Test func turnsAnEmptyFlowListIntoABlockList() throws {
        let text = Self.header + "\nspec:\n  repo: acme/weather-bot\n  changes: []   # none yet\n  stage: active\n"
        let edited = try append(text, "Say \"hi\": politely")
        #expect(edited.text == Self.header + """

            spec:
              repo: acme/weather-bot
              changes: # none yet
                - id: say-hi-politely
                  description: "Say \\"hi\\": politely"
              stage: active

            """)
        #expect(try changes(edited.text) == [ProjectSpec.Change(id: "say-hi-politely", description: "Say \"hi\": politely")])
    }

    @Test func appendsToAOneLineFlowList() throws {
        let text = Self.header + "\nspec:\n  repo: acme/weather-bot\n  changes: [{id: one, description: \"first [x]\"}]\n"
        let edited = try append(text, "second")
        #expect(edited.text.contains("  changes: [{id: one, description: \"first [x]\"}, {id: second, description: \"second\"}]\n"))
        #expect(try changes(edited.text).map(\.id) == ["one", "second"])
    }

    @Test func fillsAnEmptyValue() throws {
        for empty in ["  changes:\n", "  changes: ~\n", "  changes:   # later\n"] {
            let text = Self.header + "\nspec:\n  repo: acme/weather-bot\n" + empty + "  stage: active\n"
            let edited = try append(text, "first change")
            #expect(try changes(edited.text) == [ProjectSpec.Change(id: "first-change", description: "first change")])
        }
    }

    @Test func editsTheRightDocumentOfSeveral() throws {
        let other = "apiVersion: steward/v1\nkind: Project\nmetadata: {name: other}\nspec:\n  repo: acme/other\n"
        let text = other + "---\n" + Self.header + "\nspec:\n  repo: acme/weather-bot\n---\n# next document\n" + other.replacingOccurrences(of: "other", with: "third")
        let edited = try append(text, "only here")
        #expect(try changes(edited.text).map(\.id) == ["only-here"])
        #expect(try changes(edited.text, project: "other").isEmpty)
        #expect(try changes(edited.text, project: "third").isEmpty)
        #expect(edited.text.contains("  repo: acme/weather-bot\n  changes:\n    - id: only-here\n      description: \"only here\"\n---\n# next document\n"))
    }

    @Test func keepsWindowsLineEndings() throws {
        let text = (Self.header + "\nspec:\n  repo: acme/weather-bot\n").replacingOccurrences(of: "\n", with: "\r\n")
        let edited = try append(text)
        #expect(!edited.text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(try changes(edited.text).count == 1)
    }

    @Test func refusesWhatItCannotEditSafely() throws {
        let flowSpec = Self.header + "\nspec: {repo: acme/weather-bot}\n"
        #expect { try append(flowSpec) } throws: { "\($0)".contains("flow style") }
        let multiLineFlow = Self.header + "\nspec:\n  repo: acme/weather-bot\n  changes: [\n    {id: a, description: b}]\n"
        #expect { try append(multiLineFlow) } throws: { "\($0)".contains("flow list over several lines") }
        #expect { try append(Self.header + "\nspec:\n  repo: acme/weather-bot\n", project: "nope") } throws: {
            "\($0)".contains("holds no valid Project named nope")
        }
        let broken = Self.header + "\nspec:\n  repo: acme/weather-bot\n  stage: sometimes\n"
        #expect { try append(broken) } throws: { "\($0)".contains("holds no valid Project named weather-bot") }
    }

    @Test func newManifestsParse() throws {
        let text = ProjectManifestText.newProject(
            name: "url-shortener", repo: "acme/url-shortener", brief: "a url shortener: \"fast\"\nand small", request: "new project:\na url shortener")
        let parsed = ManifestParser().parse(path: ProjectManifestText.path(forProject: "url-shortener"), data: Data(text.utf8))
        #expect(parsed.diagnostics.isEmpty)
        let project = try #require(parsed.projects.first)
        #expect(project.name == "url-shortener")
        #expect(project.spec.repo == "acme/url-shortener")
        #expect(project.spec.brief == "a url shortener: \"fast\"\nand small")
        #expect(project.spec.stage == .active)
        #expect(project.spec.server == nil)
        #expect(text.hasPrefix("# Created by `steward ask` (the Product Owner) from: new project: a url shortener\n"))
    }
}
