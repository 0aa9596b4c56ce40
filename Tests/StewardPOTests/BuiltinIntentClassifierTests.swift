import StewardPO
import Testing

/// The builtin rules: one message, one intent, always.
struct BuiltinIntentClassifierTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let message: String
        let expected: Intent?
        var testDescription: String { message }

        init(_ message: String, _ expected: Intent?) {
            self.message = message
            self.expected = expected
        }
    }

    static let projects = ["url-shortener", "weather-bot", "hello"]

    static let cases: [Case] = [
        // new
        Case("new project: a url shortener", .new(brief: "a url shortener")),
        Case("New project: A Telegram bot that reports the weather", .new(brief: "A Telegram bot that reports the weather")),
        Case("new project links: a url shortener", .new(brief: "a url shortener", name: "links")),
        Case("new app - a todo list", .new(brief: "a todo list")),
        Case("create a url shortener", .new(brief: "a url shortener")),
        Case("Please build me a pastebin called paste", .new(brief: "a pastebin", name: "paste")),
        Case("I want a status page for my servers", .new(brief: "a status page for my servers")),
        Case("make a guestbook named guests", .new(brief: "a guestbook", name: "guests")),
        // status
        Case("status of url-shortener", .status("url-shortener")),
        Case("status of url-shortener?", .status("url-shortener")),
        Case("Status for weather-bot", .status("weather-bot")),
        Case("what's the status of hello", .status("hello")),
        Case("What is the status of the url shortener?", .status("url-shortener")),
        Case("how is the url shortener doing?", .status("url-shortener")),
        Case("How's weather-bot", .status("weather-bot")),
        Case("how is unknown-app doing", .status("unknown-app")),
        Case("status", .status(nil)),
        Case("list projects", .status(nil)),
        Case("show me all projects", .status(nil)),
        Case("how are things going", .status(nil)),
        // update
        Case("url-shortener: add a /stats endpoint", .update("url-shortener", change: "add a /stats endpoint")),
        Case("update weather-bot: add a /forecast command", .update("weather-bot", change: "add a /forecast command")),
        Case("update url shortener to support custom slugs", .update("url-shortener", change: "support custom slugs")),
        Case("change hello with a German greeting", .update("hello", change: "a German greeting")),
        Case("add a /stats endpoint to the url shortener", .update("url-shortener", change: "add a /stats endpoint")),
        // fix
        Case("fix url-shortener", .fix("url-shortener")),
        Case("Fix the url shortener!", .fix("url-shortener")),
        Case("repair vps-1", .fix("vps-1")),
        Case("fix", .fix(nil)),
        Case("fix everything", .fix(nil)),
        Case("weather-bot is down", .fix("weather-bot")),
        // nothing
        Case("", nil),
        Case("hello there, nice weather today", nil),
        Case("add a /stats endpoint to something-unknown", nil),
    ]

    @Test(arguments: cases)
    func classifies(_ testCase: Case) {
        #expect(BuiltinIntentClassifier().intent(for: testCase.message, projects: Self.projects) == testCase.expected)
    }

    @Test func aMessageItCannotReadIsAClearError() async {
        await #expect {
            try await BuiltinIntentClassifier().classify("lorem ipsum dolor", projects: [])
        } throws: { error in
            "\(error)".contains("could not tell what \"lorem ipsum dolor\" asks for")
        }
    }

    @Test(arguments: [
        ("a url shortener", "url-shortener"),
        ("A Telegram bot that reports the weather", "telegram-bot"),
        ("the simple pastebin with syntax highlighting", "pastebin"),
        ("an API for weather forecasts in Europe and Asia", "api"),
        ("my first big web shop for shoes", "first-big-web"),
        ("Ünïcode café 2000", "unicode-cafe-2000"),
    ])
    func namesComeFromTheBrief(_ brief: String, _ name: String) {
        #expect(ProjectNaming.name(forBrief: brief) == name)
    }

    @Test func aBriefWithoutWordsHasNoName() {
        #expect(ProjectNaming.name(forBrief: "!!! ???") == nil)
        #expect(ProjectNaming.name(forBrief: "42 things") == nil)
    }
}
