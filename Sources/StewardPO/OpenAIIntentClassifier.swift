import Foundation
import StewardHTTP

/// Classifies with an OpenAI-compatible chat endpoint: `POST {endpoint}/chat/completions` over the libcurl
/// client, asking for a JSON object `{intent, project, brief, change}` and validating it.
///
/// The API key is read from an environment variable when a request is made and goes only into the
/// `Authorization` header (which the HTTP client never logs); errors never contain it.
public struct OpenAIIntentClassifier: IntentClassifier {
    /// Base URL, e.g. `https://api.openai.com/v1`.
    public let endpoint: URL
    /// The model named in each request.
    public let model: String
    /// Where the key comes from.
    public let apiKeyEnvironmentVariable: String
    private let client: HTTPClient
    private let environment: @Sendable (String) -> String?

    /// - Parameters:
    ///   - environment: reads a variable; the process environment unless a test passes its own.
    public init(
        endpoint: URL, model: String, apiKeyEnvironmentVariable: String, client: HTTPClient,
        environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] }
    ) {
        self.endpoint = endpoint
        self.model = model
        self.apiKeyEnvironmentVariable = apiKeyEnvironmentVariable
        self.client = client
        self.environment = environment
    }

    /// The instructions sent with every message.
    static let instructions = """
        You are the Product Owner of Steward, a deployment controller. Classify the user's message and answer \
        with one JSON object only, no prose: {"intent": "new" | "status" | "update" | "fix", "project": string or \
        null, "brief": string or null, "change": string or null}. new: the user wants a new project; brief says \
        what to build, project is a short DNS-label name for it. status: the user asks how a project is doing \
        (project null for all projects). update: the user wants a change to an existing project; project names \
        it and change describes the change. fix: something is broken; project names the project or server.
        """

    public func classify(_ message: String, projects: [String]) async throws -> Intent {
        guard let key = environment(apiKeyEnvironmentVariable), !key.isEmpty else {
            throw ProductOwnerError(
                "agents.backend is openai but $\(apiKeyEnvironmentVariable) is empty; put the API key in that "
                    + "environment variable (agents.apiKeyEnv in steward.yaml names it)")
        }
        let url = endpoint.appendingPathComponent("chat/completions")
        let known = projects.isEmpty ? "none" : projects.joined(separator: ", ")
        let body: [String: Any] = [
            "model": model,
            "temperature": 0,
            "response_format": ["type": "json_object"],
            "messages": [
                ["role": "system", "content": Self.instructions + "\nKnown projects: \(known)."],
                ["role": "user", "content": message],
            ],
        ]
        let request = HTTPRequest(
            method: .post, url: url,
            headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json", "Accept": "application/json"],
            body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch {
            throw ProductOwnerError("the chat endpoint \(url.absoluteString) failed: \(Self.redact(error.description, key))")
        }
        guard response.isSuccess else {
            let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self)
            throw ProductOwnerError(
                "the chat endpoint \(url.absoluteString) answered HTTP \(response.status): \(Self.redact(excerpt, key))")
        }
        return try Self.intent(fromCompletion: response.body, projects: projects, endpoint: url.absoluteString)
    }

    /// Reads `choices[0].message.content` of a chat completion and validates the JSON object in it.
    static func intent(fromCompletion body: Data, projects: [String], endpoint: String) throws -> Intent {
        let malformed = { (why: String) in
            ProductOwnerError("the chat endpoint \(endpoint) gave an answer Steward cannot use: \(why)")
        }
        guard let completion = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let choices = completion["choices"] as? [[String: Any]], let first = choices.first,
            let messageObject = first["message"] as? [String: Any], let content = messageObject["content"] as? String
        else {
            throw malformed("it is not a chat completion with choices[0].message.content")
        }
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        // Some models wrap JSON in a Markdown fence despite being asked not to.
        if text.hasPrefix("```"), let open = text.firstIndex(of: "\n"), let close = text.range(of: "```", options: .backwards),
            close.lowerBound > open
        {
            text = String(text[text.index(after: open)..<close.lowerBound])
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw malformed("the message content is not a JSON object: \(text.prefix(200))")
        }
        guard let kindText = object["intent"] as? String, let kind = Intent.Kind(rawValue: kindText.lowercased()) else {
            throw malformed("\"intent\" must be one of new, status, update, fix; found \(String(describing: object["intent"] ?? "nothing"))")
        }
        func field(_ name: String) throws -> String? {
            switch object[name] {
            case nil, is NSNull: return nil
            case let value as String:
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                return trimmed.isEmpty ? nil : trimmed
            case let other?: throw malformed("\"\(name)\" must be a string or null; found \(other)")
            }
        }
        let project = try field("project")
        let brief = try field("brief")
        let change = try field("change")
        switch kind {
        case .new:
            guard let brief else { throw malformed("intent new needs a \"brief\"") }
            return .new(brief: brief, name: project.flatMap(ProjectNaming.label))
        case .status:
            return .status(project.map { BuiltinIntentClassifier.resolve($0, among: projects) })
        case .update:
            guard let project, let change else { throw malformed("intent update needs \"project\" and \"change\"") }
            return .update(BuiltinIntentClassifier.resolve(project, among: projects), change: change)
        case .fix:
            return .fix(project.map { BuiltinIntentClassifier.resolve($0, among: projects) })
        }
    }

    private static func redact(_ text: String, _ key: String) -> String {
        text.replacingOccurrences(of: key, with: "<redacted>")
    }
}
