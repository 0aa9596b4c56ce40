import Foundation
import StewardHTTP
import StewardPO
import StewardTestSupport
import Testing

/// The openai backend against a real HTTP server on 127.0.0.1 that speaks the chat completions API.
struct OpenAIIntentClassifierTests {
    static let key = "sk-test-\(UUID().uuidString)"

    func classifier(_ server: FakeChatServer, key: String? = Self.key, events: EventLog? = nil) throws -> OpenAIIntentClassifier {
        var onEvent: (@Sendable (HTTPEvent) -> Void)?
        if let events { onEvent = { event in events.append("\(event)") } }
        let client = try HTTPClient(configuration: HTTPClient.Configuration(maxAttempts: 2, baseDelay: .milliseconds(10), onEvent: onEvent))
        return OpenAIIntentClassifier(
            endpoint: server.baseURL, model: "test-model", apiKeyEnvironmentVariable: "PO_TEST_KEY", client: client,
            environment: { $0 == "PO_TEST_KEY" ? key : nil })
    }

    @Test func aGoodAnswerBecomesAnIntent() async throws {
        let server = try FakeChatServer { _ in
            .completion(content: #"{"intent": "new", "project": "Link Shortener", "brief": "a url shortener", "change": null}"#)
        }
        defer { server.stop() }
        let intent = try await classifier(server).classify("new project: a url shortener", projects: ["hello"])
        #expect(intent == .new(brief: "a url shortener", name: "link-shortener"))

        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat/completions")
        #expect(request.headers["authorization"] == "Bearer \(Self.key)")
        let body = try #require(request.json)
        #expect(body["model"] as? String == "test-model")
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["system", "user"])
        #expect(messages[1]["content"] == "new project: a url shortener")
        #expect(messages[0]["content"]?.contains("Known projects: hello.") == true)
        #expect((body["response_format"] as? [String: String])?["type"] == "json_object")
    }

    @Test func everyIntentIsValidatedAndResolved() async throws {
        let answers = [
            #"{"intent": "status", "project": "the url shortener"}"#: Intent.status("url-shortener"),
            #"{"intent": "STATUS", "project": null}"#: .status(nil),
            #"{"intent": "update", "project": "url-shortener", "change": "add /stats"}"#: .update("url-shortener", change: "add /stats"),
            #"{"intent": "fix", "project": "vps-1"}"#: .fix("vps-1"),
            "```json\n{\"intent\": \"fix\"}\n```": .fix(nil),
        ]
        for (content, expected) in answers {
            let server = try FakeChatServer { _ in .completion(content: content) }
            defer { server.stop() }
            #expect(try await classifier(server).classify("…", projects: ["url-shortener"]) == expected, "\(content)")
        }
    }

    @Test func malformedAnswersAreClearErrors() async throws {
        let cases: [(FakeChatServer.Reply, String)] = [
            (.completion(content: "I think you want a new project!"), "the message content is not a JSON object"),
            (.completion(content: #"{"intent": "deploy"}"#), "\"intent\" must be one of new, status, update, fix"),
            (.completion(content: #"{"intent": "new", "brief": ""}"#), "intent new needs a \"brief\""),
            (.completion(content: #"{"intent": "update", "project": "x"}"#), "intent update needs \"project\" and \"change\""),
            (.completion(content: #"{"intent": "status", "project": 42}"#), "\"project\" must be a string or null"),
            (FakeChatServer.Reply(status: 200, body: #"{"choices": []}"#), "it is not a chat completion with choices[0].message.content"),
            (FakeChatServer.Reply(status: 200, body: "<html>"), "it is not a chat completion"),
        ]
        for (reply, message) in cases {
            let server = try FakeChatServer { _ in reply }
            defer { server.stop() }
            await #expect("\(reply.body)") {
                try await classifier(server).classify("status", projects: [])
            } throws: { error in
                "\(error)".contains("gave an answer Steward cannot use: \(message)") && !"\(error)".contains(Self.key)
            }
        }
    }

    @Test func aServerErrorIsAClearErrorWithoutTheKey() async throws {
        // A server that echoes what it was sent, as some proxies do in error pages.
        let server = try FakeChatServer { request in
            FakeChatServer.Reply(status: 500, body: "internal error for \(request.headers["authorization"] ?? "")")
        }
        defer { server.stop() }
        let events = EventLog()
        await #expect {
            try await classifier(server, events: events).classify("status", projects: [])
        } throws: { error in
            let text = "\(error)"
            // The body echoed the key: it is shown redacted.
            return text.contains("the chat endpoint \(server.baseURL.absoluteString)/chat/completions answered HTTP 500: "
                + "internal error for Bearer <redacted>") && !text.contains(Self.key)
        }
        #expect(!server.requests.isEmpty)
        #expect(!events.all.isEmpty)
        #expect(events.all.allSatisfy { !$0.contains(Self.key) })
    }

    @Test func aMissingKeyIsNamedBeforeAnyRequest() async throws {
        let server = try FakeChatServer { _ in .completion(content: #"{"intent": "status"}"#) }
        defer { server.stop() }
        await #expect {
            try await classifier(server, key: nil).classify("status", projects: [])
        } throws: { "\($0)".contains("$PO_TEST_KEY is empty") }
        #expect(server.requests.isEmpty)
    }
}

/// Lines the HTTP client reported, collected across threads.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
