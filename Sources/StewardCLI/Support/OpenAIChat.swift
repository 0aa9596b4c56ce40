import Foundation
import StewardAgents
import StewardHTTP
import StewardModel

/// Chat completions over the libcurl client, for the `openai` agent backend: `POST ENDPOINT/chat/completions`
/// with the model and messages, the key from the environment variable `agents.apiKeyEnv` as a bearer token
/// (never logged, never in an error).
struct OpenAIChat: Sendable {
    let client: HTTPClient
    let settings: Settings.Agents
    let timeout: Duration

    /// The reply's content. - Throws: `AgentError` naming the endpoint and status, never the key.
    func complete(_ messages: [ChatMessage]) async throws -> String {
        guard let key = ProcessInfo.processInfo.environment[settings.apiKeyEnv], !key.isEmpty else {
            throw AgentError("agents.backend is openai but $\(settings.apiKeyEnv) (agents.apiKeyEnv) is not set")
        }
        guard let endpoint = settings.endpoint, let model = settings.model,
            let url = URL(string: endpoint.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/chat/completions")
        else {
            throw AgentError("agents.backend is openai but agents.endpoint or agents.model is missing or not a URL")
        }
        struct Body: Encodable {
            let model: String
            let messages: [ChatMessage]
            let temperature: Double
        }
        let body = try JSONEncoder().encode(Body(model: model, messages: messages, temperature: 0))
        let response = try await client.send(HTTPRequest(
            method: .post, url: url,
            headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json", "Accept": "application/json"],
            body: body, timeout: timeout))
        guard response.isSuccess else {
            throw AgentError("the chat endpoint \(url.absoluteString) answered \(response.status): "
                + String(decoding: response.body.prefix(300), as: UTF8.self))
        }
        struct Reply: Decodable {
            struct Choice: Decodable {
                struct Message: Decodable { let content: String? }
                let message: Message
            }
            let choices: [Choice]
        }
        guard let reply = try? JSONDecoder().decode(Reply.self, from: response.body), let content = reply.choices.first?.message.content else {
            throw AgentError("the chat endpoint \(url.absoluteString) answered without choices[0].message.content")
        }
        return content
    }
}
