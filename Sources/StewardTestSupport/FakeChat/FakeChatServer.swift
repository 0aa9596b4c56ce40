import Foundation

/// An OpenAI-compatible chat endpoint on 127.0.0.1 for tests: answers `POST /v1/chat/completions` with what
/// the test's `reply` says, and records every request it received.
public final class FakeChatServer: @unchecked Sendable {
    /// One request as received.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: Data

        /// The request body as JSON (nil when it is not an object).
        public var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    }

    /// What to answer.
    public struct Reply: Sendable {
        public var status: Int
        public var body: String

        public init(status: Int, body: String) {
            self.status = status
            self.body = body
        }

        /// A 200 chat completion whose `choices[0].message.content` is `content`.
        public static func completion(content: String) -> Reply {
            let object: [String: Any] = [
                "id": "chatcmpl-test", "object": "chat.completion", "model": "test-model",
                "choices": [["index": 0, "finish_reason": "stop", "message": ["role": "assistant", "content": content]]],
            ]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            return Reply(status: 200, body: String(decoding: data, as: UTF8.self))
        }
    }

    private let server: LoopbackHTTPServer
    private let log: RequestLog

    /// Starts listening on a free port.
    public init(reply: @escaping @Sendable (Request) -> Reply) throws {
        let box = RequestLog()
        server = try LoopbackHTTPServer { request in
            let recorded = Request(method: request.method, path: request.path, headers: request.headers, body: Data(request.body))
            box.append(recorded)
            let answer = reply(recorded)
            return FakeHTTPReply(status: answer.status, headers: [("content-type", "application/json")], body: Array(answer.body.utf8))
        }
        log = box
        server.start()
    }

    /// `http://127.0.0.1:PORT/v1`: what `agents.endpoint` points at.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(server.port)/v1")! }

    /// Every request so far, in order.
    public var requests: [Request] { log.all }

    /// Stops listening and closes connections.
    public func stop() { server.stop() }

    deinit { server.stop() }
}

/// The requests a server received, shared with its handler thread.
private final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [FakeChatServer.Request] = []

    func append(_ request: FakeChatServer.Request) { lock.withLock { requests.append(request) } }
    var all: [FakeChatServer.Request] { lock.withLock { requests } }
}
