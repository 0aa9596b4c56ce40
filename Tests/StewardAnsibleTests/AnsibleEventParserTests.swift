import StewardModel
import Testing

@testable import StewardAnsible

struct AnsibleEventParserTests {
    let parser = AnsibleEventParser()

    @Test func parsesPlaybookPlayAndTaskStarts() {
        #expect(parser.parse(#"{"event": "playbook_start", "playbook": "/p/deploy.yml"}"#) == .playbookStart(playbook: "/p/deploy.yml"))
        #expect(parser.parse(#"{"event": "play_start", "play": "Deploy demo", "hosts": ["all"]}"#) == .playStart(name: "Deploy demo"))
        #expect(parser.parse(#"{"event": "task_start", "task": "Check out", "handler": false}"#) == .taskStart(name: "Check out", handler: false))
        #expect(parser.parse(#"{"event": "task_start", "task": "restart", "handler": true}"#) == .taskStart(name: "restart", handler: true))
    }

    @Test(arguments: [
        ("ok", TaskEvent.Status.ok), ("changed", .changed), ("skipped", .skipped), ("failed", .failed),
        ("unreachable", .unreachable),
    ])
    func parsesEachHostResultStatus(kind: String, status: TaskEvent.Status) throws {
        let line = #"{"event": "\#(kind)", "host": "web1", "task": "Write .env", "duration_ms": 215}"#
        let event = try #require(parser.parse(line))
        #expect(event == .hostResult(.init(host: "web1", task: "Write .env", status: status, durationMs: 215)))
        #expect(event.taskEvent == TaskEvent(host: "web1", task: "Write .env", status: status, durationMs: 215))
    }

    @Test func keepsTheMessageAndIgnoreErrorsOfAFailure() throws {
        let line = #"{"event": "failed", "host": "web1", "task": "Run", "duration_ms": 12, "msg": "non-zero return code\nbad", "ignore_errors": true}"#
        guard case .hostResult(let result) = try #require(parser.parse(line)) else {
            Issue.record("not a host result")
            return
        }
        #expect(result.message == "non-zero return code\nbad")
        #expect(result.ignoreErrors)
        #expect(result.taskEvent.message == "non-zero return code\nbad")
    }

    @Test func parsesUnreachableWithMessage() throws {
        let line = #"{"event": "unreachable", "host": "dead", "task": "ping", "duration_ms": 35, "msg": "Failed to connect to the host via ssh: Connection refused"}"#
        #expect(parser.parse(line)?.taskEvent == TaskEvent(
            host: "dead", task: "ping", status: .unreachable, durationMs: 35,
            message: "Failed to connect to the host via ssh: Connection refused"
        ))
    }

    @Test func parsesItemsRetriesAndPlayNotices() {
        #expect(parser.parse(#"{"event": "item", "host": "h", "task": "dirs", "status": "changed", "item": "/a", "duration_ms": 9}"#)
            == .itemResult(.init(host: "h", task: "dirs", item: "/a", status: .changed, durationMs: 9)))
        #expect(parser.parse(#"{"event": "item", "host": "h", "task": "dirs", "status": "failed", "item": "(censored)", "duration_ms": 9, "msg": "no"}"#)
            == .itemResult(.init(host: "h", task: "dirs", item: "(censored)", status: .failed, durationMs: 9, message: "no")))
        #expect(parser.parse(#"{"event": "retry", "host": "h", "task": "health", "attempt": 2, "retries": 31}"#)
            == .retry(host: "h", task: "health", attempt: 2, retries: 31))
        #expect(parser.parse(#"{"event": "no_hosts_matched"}"#) == .noHostsMatched)
        #expect(parser.parse(#"{"event": "no_hosts_remaining"}"#) == .noHostsRemaining)
        #expect(parser.parse(#"{"event": "item", "host": "h", "task": "t", "status": "weird", "item": "x"}"#) == nil)
    }

    @Test func itemResultsAreNotTaskEvents() {
        let item = parser.parse(#"{"event": "item", "host": "h", "task": "dirs", "status": "ok", "item": "/a", "duration_ms": 9}"#)
        #expect(item != nil)
        #expect(item?.taskEvent == nil)
        #expect(parser.parse(#"{"event": "task_start", "task": "x", "handler": false}"#)?.taskEvent == nil)
    }

    @Test func parsesStats() {
        let line = #"{"event": "stats", "hosts": {"web1": {"ok": 18, "failures": 1, "unreachable": 0, "changed": 8, "skipped": 4, "rescued": 0, "ignored": 2}}}"#
        #expect(parser.parse(line) == .stats([
            "web1": .init(ok: 18, changed: 8, unreachable: 0, failures: 1, skipped: 4, rescued: 0, ignored: 2),
        ]))
    }

    @Test func unknownKindsAreReportedAndJunkIsNil() {
        #expect(parser.parse(#"{"event": "something_new", "x": 1}"#) == .unknown(kind: "something_new"))
        #expect(parser.parse("") == nil)
        #expect(parser.parse("PLAY [all] ****") == nil)
        #expect(parser.parse("{not json") == nil)
        #expect(parser.parse(#"{"no_event": 1}"#) == nil)
        #expect(parser.parse(#"["event"]"#) == nil)
    }

    @Test func toleratesSurroundingWhitespaceAndUnicodeEscapes() {
        let line = "  {\"event\": \"ok\", \"host\": \"h\", \"task\": \"caf\\u00e9 \\ud83d\\ude80\", \"duration_ms\": 1}\r"
        #expect(parser.parse(line)?.taskEvent?.task == "café 🚀")
    }

    @Test func redactsSecretsInEveryString() throws {
        let parser = AnsibleEventParser(redactor: SecretRedactor(secrets: ["hunter2", "tok\nen"]))
        let line = #"{"event": "failed", "host": "h-hunter2", "task": "use hunter2", "duration_ms": 3, "msg": "bad hunter2 and tok\nen and {\"a\": \"tok\\nen\"}"}"#
        let event = try #require(parser.parse(line)?.taskEvent)
        #expect(event.host == "h-***")
        #expect(event.task == "use ***")
        #expect(event.message == #"bad *** and *** and {"a": "***"}"#)
        #expect(parser.parse(#"{"event": "task_start", "task": "x hunter2", "handler": false}"#) == .taskStart(name: "x ***", handler: false))
    }
}
