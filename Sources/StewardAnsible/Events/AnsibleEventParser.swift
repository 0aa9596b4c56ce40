import Foundation
import StewardModel

/// Turns lines written by the `steward_jsonl` callback into ``AnsibleEvent``s, with secrets redacted.
///
/// Pure and cheap to build: the runner makes one per run, tests feed it fixed lines.
public struct AnsibleEventParser: Sendable {
    private let redactor: SecretRedactor

    /// - Parameter redactor: applied to every string taken from a line (host, task, item, message).
    public init(redactor: SecretRedactor = SecretRedactor(secrets: [])) {
        self.redactor = redactor
    }

    /// The event on `line`, or nil when the line is blank, not JSON, or not an object with an `event`.
    public func parse(_ line: some StringProtocol) -> AnsibleEvent? {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"),
              let raw = try? JSONDecoder().decode(RawEvent.self, from: Data(trimmed.utf8))
        else { return nil }
        return event(from: raw)
    }

    private func event(from raw: RawEvent) -> AnsibleEvent? {
        switch raw.event {
        case "playbook_start":
            return .playbookStart(playbook: redactor.redact(raw.playbook ?? ""))
        case "play_start":
            return .playStart(name: redactor.redact(raw.play ?? ""))
        case "task_start":
            return .taskStart(name: redactor.redact(raw.task ?? ""), handler: raw.handler ?? false)
        case "item":
            guard let status = raw.status.flatMap(TaskEvent.Status.init(rawValue:)) else { return nil }
            return .itemResult(AnsibleEvent.ItemResult(
                host: redactor.redact(raw.host ?? ""), task: redactor.redact(raw.task ?? ""),
                item: redactor.redact(raw.item ?? ""), status: status, durationMs: raw.durationMs ?? 0,
                message: redactor.redact(raw.msg)
            ))
        case "retry":
            return .retry(
                host: redactor.redact(raw.host ?? ""), task: redactor.redact(raw.task ?? ""),
                attempt: raw.attempt ?? 0, retries: raw.retries ?? 0
            )
        case "no_hosts_matched":
            return .noHostsMatched
        case "no_hosts_remaining":
            return .noHostsRemaining
        case "stats":
            return .stats(stats(from: raw.hosts))
        default:
            guard let status = TaskEvent.Status(rawValue: raw.event) else { return .unknown(kind: raw.event) }
            return .hostResult(AnsibleEvent.HostResult(
                host: redactor.redact(raw.host ?? ""), task: redactor.redact(raw.task ?? ""), status: status,
                durationMs: raw.durationMs ?? 0, message: redactor.redact(raw.msg),
                ignoreErrors: raw.ignoreErrors ?? false, diff: redactor.redact(raw.diff)
            ))
        }
    }

    private func stats(from hosts: JSONValue?) -> [String: AnsibleEvent.HostStats] {
        guard case .object(let byHost) = hosts else { return [:] }
        var result: [String: AnsibleEvent.HostStats] = [:]
        for (host, value) in byHost {
            guard case .object(let counts) = value else { continue }
            func count(_ key: String) -> Int {
                if case .int(let number) = counts[key] { return number }
                return 0
            }
            result[redactor.redact(host)] = AnsibleEvent.HostStats(
                ok: count("ok"), changed: count("changed"), unreachable: count("unreachable"),
                failures: count("failures"), skipped: count("skipped"), rescued: count("rescued"),
                ignored: count("ignored")
            )
        }
        return result
    }
}

/// The wire shape of one callback line; every field but `event` depends on the kind.
private struct RawEvent: Decodable {
    var event: String
    var playbook: String?
    var play: String?
    var task: String?
    var handler: Bool?
    var host: String?
    var status: String?
    var item: String?
    var durationMs: Int?
    var msg: String?
    var diff: String?
    var ignoreErrors: Bool?
    var attempt: Int?
    var retries: Int?
    /// A list of patterns on `play_start`, per-host counts on `stats`.
    var hosts: JSONValue?

    enum CodingKeys: String, CodingKey {
        case event, playbook, play, task, handler, host, status, item, msg, diff, attempt, retries, hosts
        case durationMs = "duration_ms"
        case ignoreErrors = "ignore_errors"
    }
}
