import Crypto
import Foundation
import Logging
import StewardCore
import StewardHTTP
import StewardModel

/// Sends the outbox (docs/ARCHITECTURE.md §10): fans each new message out to the receivers of `notifications:` that
/// want it, then posts what is due, one receiver at a time: a webhook (JSON, HMAC-signed, with an idempotency key),
/// Slack (an incoming webhook) or Telegram (the Bot API's sendMessage). A failure is retried with backoff (1 s
/// doubling to 5 min, Telegram's `retry_after` when it gives one); a flood is rate-limited per receiver and sent as
/// one summary. Every attempt's outcome is in the store, so a crash repeats at most the one in flight (its key
/// stays the same).
public final class NotificationSender: @unchecked Sendable {
    public struct Options: Sendable {
        /// How often the outbox is read.
        public var interval: Duration = .seconds(1)
        /// The wait after `attempts` failed attempts.
        public var backoff: @Sendable (Int) -> Duration = { attempts in
            .seconds(min(300, 1 << min(attempts, 9)))
        }
        /// Attempts before a delivery is given up (`failed`): with the default backoff, about three hours.
        public var maxAttempts = 40
        /// More than this many due at once for one receiver are sent as one summary.
        public var summaryThreshold = 10
        /// Messages per receiver per minute (a summary counts as one).
        public var perMinute = 20

        public init() {}
    }

    let store: any OutboxStore
    let client: HTTPClient
    let options: Options
    let metrics: StewardMetrics?
    let logger: Logger
    let environment: [String: String]
    /// The receivers of the config revision the controller acts on.
    let receivers: @Sendable () -> [Settings.Notification]
    let now: @Sendable () -> Date
    private let lock = NSLock()
    private var sent: [String: [Date]] = [:]

    public init(
        store: any OutboxStore, options: Options = Options(), metrics: StewardMetrics?, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        receivers: @escaping @Sendable () -> [Settings.Notification], now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.store = store
        self.client = try HTTPClient(configuration: .init(totalTimeout: .seconds(20), maxAttempts: 1))
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.environment = environment
        self.receivers = receivers
        self.now = now
    }

    /// Reads the outbox every `interval` until the task is cancelled or `stop` says so, then once more.
    /// - Parameter isActive: whether this process sends now (of several replicas, the one the ring names).
    public func run(until stop: @escaping @Sendable () -> Bool, isActive: @escaping @Sendable () -> Bool = { true }) async {
        while !Task.isCancelled, !stop() {
            if isActive() { await tick() }
            try? await Task.sleep(for: options.interval)
        }
        await tick()
    }

    /// One round: fan out, then send what is due. Store errors are logged; the next round tries again.
    @discardableResult
    public func tick() async -> Int {
        do {
            return try await runOnce()
        } catch {
            logger.warning("notifications: the outbox cannot be read now: \(error)", metadata: ["action": "notify"])
            return 0
        }
    }

    /// - Returns: the deliveries sent in this round.
    public func runOnce() async throws -> Int {
        let receivers = self.receivers()
        let byName = Dictionary(receivers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        _ = try await store.fanOutOutbox(now: now()) { message in
            receivers.filter { receiver in
                receiver.events.contains { $0.rawValue == message.event }
                    && (receiver.projects.isEmpty || message.project.map(receiver.projects.contains) ?? true)
            }.map(\.name)
        }
        let due = try await store.dueDeliveries(now: now(), limit: 1000)
        var delivered = 0
        for (name, deliveries) in Dictionary(grouping: due, by: \.notification).sorted(by: { $0.key < $1.key }) {
            guard let receiver = byName[name] else {
                for delivery in deliveries {
                    try await store.markAttemptFailed(outboxID: delivery.message.id, notification: name,
                        error: "no notification named \(name) in steward.yaml any more", retryAt: nil)
                }
                continue
            }
            delivered += try await send(deliveries, to: receiver)
        }
        return delivered
    }

    private func allowance(_ receiver: String) -> Int {
        let cutoff = now().addingTimeInterval(-60)
        return lock.withLock {
            sent[receiver] = (sent[receiver] ?? []).filter { $0 > cutoff }
            return options.perMinute - sent[receiver]!.count
        }
    }

    private func count(_ receiver: String) {
        let time = now()
        lock.withLock { sent[receiver, default: []].append(time) }
    }

    private func send(_ deliveries: [PendingDelivery], to receiver: Settings.Notification) async throws -> Int {
        var allowed = allowance(receiver.name)
        guard allowed > 0 else { return 0 }
        if deliveries.count > options.summaryThreshold {
            // A flood: one message for all of them.
            let lines = deliveries.prefix(10).map { "- \($0.message.event): \($0.message.message)" }
            let more = deliveries.count - lines.count
            let text = "[steward] \(deliveries.count) notifications:\n" + lines.joined(separator: "\n")
                + (more > 0 ? "\n… and \(more) more (steward logs, steward get incidents)" : "")
            let key = "summary-\(deliveries.first!.key)-\(deliveries.count)"
            let payload: [String: Any] = [
                "id": key, "event": "summary", "count": deliveries.count, "text": text,
                "messages": deliveries.map { Self.fields($0.message, key: $0.key) },
            ]
            let outcome = await post(receiver, text: text, payload: payload, key: key)
            count(receiver.name)
            return try await settle(deliveries, receiver, outcome)
        }
        var delivered = 0
        for delivery in deliveries {
            guard allowed > 0 else { break }
            allowed -= 1
            let text = "[steward] \(delivery.message.event): \(delivery.message.message)"
            var payload = Self.fields(delivery.message, key: delivery.key)
            payload["text"] = text
            let outcome = await post(receiver, text: text, payload: payload, key: delivery.key)
            count(receiver.name)
            delivered += try await settle([delivery], receiver, outcome)
        }
        return delivered
    }

    private static func fields(_ message: OutboxMessage, key: String) -> [String: Any] {
        var fields: [String: Any] = [
            "id": key, "event": message.event, "objectKind": message.objectKind, "objectName": message.objectName,
            "message": message.message, "time": ISO8601DateFormatter().string(from: message.createdAt),
        ]
        if let project = message.project { fields["project"] = project }
        return fields
    }

    /// Records the outcome of one post for the deliveries it carried. - Returns: how many were delivered.
    private func settle(_ deliveries: [PendingDelivery], _ receiver: Settings.Notification, _ outcome: PostOutcome) async throws -> Int {
        switch outcome {
        case .sent:
            try await store.markDelivered(deliveries.map { ($0.message.id, $0.notification) }, at: now())
            metrics?.notification(provider: receiver.provider.rawValue, result: "sent", count: deliveries.count)
            logger.info("notified \(receiver.name) (\(receiver.provider.rawValue)) of \(deliveries.count) event\(deliveries.count == 1 ? "" : "s")",
                metadata: ["action": "notify", "notification": "\(receiver.name)"])
            return deliveries.count
        case .failed(let error, let retryAfter):
            for delivery in deliveries {
                let attempts = delivery.attempts + 1
                let giveUp = attempts >= options.maxAttempts
                let wait = retryAfter ?? options.backoff(attempts)
                try await store.markAttemptFailed(outboxID: delivery.message.id, notification: delivery.notification, error: error,
                    retryAt: giveUp ? nil : now().addingTimeInterval(wait.seconds))
            }
            metrics?.notification(provider: receiver.provider.rawValue, result: "failed", count: deliveries.count)
            logger.warning("notification to \(receiver.name) (\(receiver.provider.rawValue)) failed: \(error); retried later",
                metadata: ["action": "notify", "notification": "\(receiver.name)"])
            return 0
        }
    }

    enum PostOutcome {
        case sent
        case failed(String, retryAfter: Duration?)
    }

    /// One POST to the receiver. Errors name the status or the kind of failure, never the URL (a Telegram token and a
    /// Slack webhook are in theirs).
    private func post(_ receiver: Settings.Notification, text: String, payload: [String: Any], key: String) async -> PostOutcome {
        let url: URL
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        let body: Data
        do {
            switch receiver.provider {
            case .webhook, .slack:
                guard let address = try reference(receiver.url, env: receiver.urlEnv, file: receiver.urlFile, what: "url"),
                    let parsed = URL(string: address), parsed.scheme == "https" || parsed.scheme == "http"
                else { return .failed("\(receiver.name): the url is not set or not http(s)", retryAfter: nil) }
                url = parsed
                if receiver.provider == .slack {
                    body = try JSONSerialization.data(withJSONObject: ["text": text], options: [.sortedKeys])
                } else {
                    body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
                    headers.add(name: "X-Steward-Delivery", value: key)
                    if let variable = receiver.secretEnv {
                        guard let secret = environment[variable], !secret.isEmpty else {
                            return .failed("\(receiver.name): secretEnv \(variable) is not set", retryAfter: nil)
                        }
                        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
                        headers.add(name: "X-Steward-Signature-256", value: "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                    }
                }
            case .telegram:
                guard let variable = receiver.botTokenEnv, let token = environment[variable], !token.isEmpty,
                    let chat = receiver.chatID, let parsed = URL(string: "\(receiver.apiURL)/bot\(token)/sendMessage")
                else { return .failed("\(receiver.name): botTokenEnv or chatID is not set", retryAfter: nil) }
                url = parsed
                body = try JSONSerialization.data(withJSONObject: ["chat_id": chat, "text": text], options: [.sortedKeys])
            }
        } catch {
            return .failed("\(receiver.name): \(error)", retryAfter: nil)
        }
        do {
            let response = try await client.send(HTTPRequest(method: .post, url: url, headers: headers, body: body))
            if response.isSuccess { return .sent }
            var retryAfter: Duration?
            if response.status == 429 {
                let telegram = (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["parameters"] as? [String: Any]
                let seconds = (telegram?["retry_after"] as? Int) ?? response.values(for: "Retry-After").first.flatMap(Int.init)
                retryAfter = seconds.map { .seconds($0) }
            }
            return .failed("HTTP \(response.status)", retryAfter: retryAfter)
        } catch {
            return .failed("\(error.kind)", retryAfter: nil)
        }
    }

    private func reference(_ value: String?, env: String?, file: String?, what: String) throws -> String? {
        if let value { return value }
        if let env { return environment[env].flatMap { $0.isEmpty ? nil : $0 } }
        if let file {
            let path = NSString(string: file).expandingTildeInPath
            return (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return nil
    }
}
