import Crypto
import Foundation
import Hummingbird
import Logging
import StewardCore
import StewardModel
import StewardServer
import StewardStore
import StewardTestSupport
import Testing

/// The outbox and its sender against fake Telegram, Slack and webhook receivers on loopback: what triggers write, the
/// providers' shapes and signature, a receiver down for a while (delivered later, once), a crash between the event
/// and the send (delivered after the restart, once), a flood (one summary).
struct NotificationSenderTests {
    /// A receiver on a free port: records each request and answers with `status(n)` for the n-th one.
    final class FakeReceiver: @unchecked Sendable {
        struct Received: Sendable {
            var path: String
            var headers: [String: String]
            var body: Data
        }

        private let lock = NSLock()
        private var received: [Received] = []
        private var task: Task<Void, any Error>?
        var port = 0

        var requests: [Received] { lock.withLock { received } }

        init(status: @escaping @Sendable (Int) -> Int = { _ in 200 }) async throws {
            let router = Router()
            let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { [self] request, _ in
                let body = try await request.body.collect(upTo: 1 << 20)
                var headers: [String: String] = [:]
                for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
                let count = lock.withLock {
                    received.append(Received(path: request.uri.path, headers: headers, body: Data(body.readableBytesView)))
                    return received.count
                }
                return Response(status: .init(code: status(count)), headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"ok":true}"#)))
            }
            router.post("/", use: handler)
            router.post("**", use: handler)
            let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) },
                logger: Logger(label: "fake") { _ in SwiftLogNoOpLogHandler() })
            task = Task { try await app.run() }
            var ports = bound.makeAsyncIterator()
            port = await ports.next() ?? 0
        }

        func stop() async {
            task?.cancel()
            _ = await task?.result
        }
    }

    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func sender(
        _ store: SQLStateStore, _ receivers: [Settings.Notification], environment: [String: String] = [:],
        configure: (inout NotificationSender.Options) -> Void = { _ in }
    ) throws -> NotificationSender {
        var options = NotificationSender.Options()
        options.backoff = { _ in .milliseconds(1) }
        configure(&options)
        return try NotificationSender(store: store, options: options, metrics: nil, logger: quiet, environment: environment,
            receivers: { receivers })
    }

    static func incident(_ name: String) -> IncidentRecord {
        IncidentRecord(kind: .serviceDown, severity: .critical, objectKind: "Project", objectName: name, message: "no answer",
            openedAt: Date())
    }

    @Test func triggersWriteTheOutboxWithTheirCauseAndEachProviderGetsItsShape() async throws {
        let state = try TemporaryDirectory(prefix: "state")
        let store = try SQLStateStore(stateDirectory: state.url)
        let hook = try await FakeReceiver()
        let slack = try await FakeReceiver()
        let telegram = try await FakeReceiver()
        let receivers = [
            Settings.Notification(name: "ops", provider: .webhook, url: "http://127.0.0.1:\(hook.port)/steward", secretEnv: "HOOK_SECRET"),
            Settings.Notification(name: "chat", provider: .slack, urlEnv: "SLACK_URL", events: [.question, .incident]),
            Settings.Notification(name: "tg", provider: .telegram, botTokenEnv: "TG_TOKEN", chatID: "-100123",
                apiURL: "http://127.0.0.1:\(telegram.port)", events: [.deployFailed], projects: ["shop"]),
        ]
        let sender = try Self.sender(store, receivers, environment: [
            "HOOK_SECRET": "hmac-key", "SLACK_URL": "http://127.0.0.1:\(slack.port)/services/T/B/X", "TG_TOKEN": "123:abc",
        ])
        _ = try await store.openIncident(Self.incident("shop"), events: [])
        try await store.append(events: [EventRecord(time: Date(), objectKind: "Project", objectName: "shop", type: .warning,
            reason: "WaitingForAnswer", message: "which colour? (answer with `steward answer shop \"…\"`)")])
        let runID = try await store.beginRun(RunRecord(kind: "deploy", project: "shop", playbook: "deploy_project.yml", inputHash: "h",
            startedAt: Date()))
        try await store.finishRun(RunRecord(id: runID, kind: "deploy", project: "shop", playbook: "deploy_project.yml",
            inputHash: "h", status: .failed, failedTask: "Wait for health", startedAt: Date(), finishedAt: Date()))
        try await store.append(events: [EventRecord(time: Date(), objectKind: "Project", objectName: "shop", reason: "Deployed",
            message: "not announced")])

        #expect(try await sender.runOnce() == 3 + 2 + 1)
        #expect(try await sender.runOnce() == 0, "each is sent once")

        #expect(hook.requests.count == 3)
        let first = try #require(hook.requests.first)
        let object = try #require(try JSONSerialization.jsonObject(with: first.body) as? [String: Any])
        #expect(object["event"] as? String == "incident" && object["project"] as? String == "shop")
        #expect(first.headers["x-steward-delivery"] == object["id"] as? String)
        let mac = HMAC<SHA256>.authenticationCode(for: first.body, using: SymmetricKey(data: Data("hmac-key".utf8)))
        #expect(first.headers["x-steward-signature-256"] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        let texts = slack.requests.compactMap { (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["text"] as? String }
        #expect(texts.count == 2)
        #expect(texts.contains { $0.contains("steward answer shop") }, "a question carries the command: \(texts)")
        #expect(telegram.requests.count == 1)
        #expect(telegram.requests.first?.path == "/bot123:abc/sendMessage")
        let message = try #require(try JSONSerialization.jsonObject(with: telegram.requests[0].body) as? [String: Any])
        #expect(message["chat_id"] as? String == "-100123")
        #expect((message["text"] as? String)?.contains(#"deploy of shop failed at task "Wait for health""#) == true)

        _ = try await store.updateOpenIncident(kind: .serviceDown, objectKind: "Project", objectName: "shop", status: .resolved,
            message: "answers again", at: Date(), events: [])
        #expect(try await sender.runOnce() == 1, "incident_resolved to the webhook only")
        #expect(hook.requests.count == 4)
        for receiver in [hook, slack, telegram] { await receiver.stop() }
    }

    @Test func aReceiverDownForAWhileGetsEachMessageLaterOnceWithTheSameKey() async throws {
        let state = try TemporaryDirectory(prefix: "state")
        let store = try SQLStateStore(stateDirectory: state.url)
        let hook = try await FakeReceiver { $0 <= 3 ? 503 : 200 }
        let sender = try Self.sender(store, [Settings.Notification(name: "ops", provider: .webhook, url: "http://127.0.0.1:\(hook.port)/")])
        _ = try await store.openIncident(Self.incident("shop"), events: [])
        var delivered = 0
        try await waitUntil("the message delivered after three refusals") {
            delivered += try await sender.runOnce()
            return delivered == 1
        }
        #expect(try await sender.runOnce() == 0)
        #expect(hook.requests.count == 4)
        let keys = hook.requests.map { $0.headers["x-steward-delivery"] }
        #expect(Set(keys).count == 1 && keys.first! != nil, "every attempt carries one key: \(keys)")
        await hook.stop()
    }

    @Test func aMessageWrittenBeforeACrashIsSentAfterTheRestartOnce() async throws {
        let state = try TemporaryDirectory(prefix: "state")
        let hook = try await FakeReceiver()
        let receivers = [Settings.Notification(name: "ops", provider: .webhook, url: "http://127.0.0.1:\(hook.port)/")]
        do {
            // The event is recorded; the process dies before its sender reads the outbox.
            let store = try SQLStateStore(stateDirectory: state.url)
            _ = try await store.openIncident(Self.incident("shop"), events: [])
        }
        let restarted = try SQLStateStore(stateDirectory: state.url)
        #expect(try await Self.sender(restarted, receivers).runOnce() == 1)
        #expect(try await Self.sender(try SQLStateStore(stateDirectory: state.url), receivers).runOnce() == 0)
        #expect(hook.requests.count == 1)
        await hook.stop()
    }

    @Test func aFloodIsOneSummaryAndTheRateIsLimitedPerReceiver() async throws {
        let state = try TemporaryDirectory(prefix: "state")
        let store = try SQLStateStore(stateDirectory: state.url)
        let hook = try await FakeReceiver()
        let sender = try Self.sender(store, [Settings.Notification(name: "ops", provider: .webhook, url: "http://127.0.0.1:\(hook.port)/")]) {
            $0.summaryThreshold = 10
            $0.perMinute = 3
        }
        for index in 0..<15 { _ = try await store.openIncident(Self.incident("p\(index)"), events: []) }
        #expect(try await sender.runOnce() == 15)
        #expect(hook.requests.count == 1, "one summary")
        let summary = try #require(try JSONSerialization.jsonObject(with: hook.requests[0].body) as? [String: Any])
        #expect(summary["event"] as? String == "summary" && summary["count"] as? Int == 15)
        for index in 15..<20 { _ = try await store.openIncident(Self.incident("p\(index)"), events: []) }
        #expect(try await sender.runOnce() == 2, "3 a minute: the summary and two more")
        #expect(try await sender.runOnce() == 0, "the rest wait for the next minute")
        await hook.stop()
    }
}
