import Foundation
import Glibc
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

@testable import StewardAnsible

struct SecretRedactorTests {
    @Test func masksEveryOccurrenceLongestFirst() {
        let redactor = SecretRedactor(secrets: ["abc", "abcdef", ""])
        #expect(redactor.redact("x abcdef y abc z") == "x *** y *** z")
        #expect(redactor.redact("nothing here") == "nothing here")
        #expect(redactor.redact(nil as String?) == nil)
        #expect(SecretRedactor(secrets: [""]).isEmpty)
    }

    @Test func masksTheJSONEscapedFormOfMultiLineSecrets() {
        let redactor = SecretRedactor(secrets: ["line1\nline2 \"q\""])
        #expect(redactor.redact(#"{"v": "line1\nline2 \"q\""}"#) == #"{"v": "***"}"#)
    }
}

struct LineSplitterTests {
    @Test func yieldsOnlyCompleteLinesAcrossChunks() {
        var splitter = LineSplitter()
        #expect(splitter.append(Array("{\"a\"".utf8)).isEmpty)
        #expect(splitter.append(Array(": 1}\n{\"b\": 2}\r\npart".utf8)) == ["{\"a\": 1}", "{\"b\": 2}"])
        #expect(splitter.append(Array("ial\n\n".utf8)) == ["partial", ""])
        #expect(splitter.finish() == nil)
        #expect(splitter.append(Array("tail".utf8)).isEmpty)
        #expect(splitter.finish() == "tail")
    }

    @Test func joinsAMultiByteCharacterSplitBetweenChunks() {
        var splitter = LineSplitter()
        let bytes = Array("é\n".utf8)
        #expect(splitter.append(bytes[..<1]).isEmpty)
        #expect(splitter.append(bytes[1...]) == ["é"])
    }
}

struct OutputTailTests {
    @Test func keepsTheLastLinesRedacted() {
        var tail = OutputTail()
        for index in 1...100 { tail.append(Array("line \(index) pw=hunter2\n".utf8)) }
        let text = tail.text(redactor: SecretRedactor(secrets: ["hunter2"]), maxLines: 3)
        #expect(text == "line 98 pw=***\nline 99 pw=***\nline 100 pw=***")
    }

    @Test func dropsTheLineCutByTheByteBound() {
        var tail = OutputTail(capacity: 16)
        tail.append(Array("first line\nsecond\nthird\n".utf8))
        #expect(tail.text(redactor: SecretRedactor(secrets: [])) == "second\nthird")
    }

    @Test func boundsCharacters() {
        var tail = OutputTail()
        tail.append(Array(String(repeating: "x", count: 9000).utf8))
        #expect(tail.text(redactor: SecretRedactor(secrets: []), maxCharacters: 100).count == 100)
    }
}

struct ExtraVarsDocumentTests {
    @Test func tagsEveryStringUnsafeAndKeepsOtherTypes() throws {
        let text = try ExtraVarsDocument.render([
            "name": .string("demo"), "port": .int(8080), "ratio": .double(0.5), "on": .bool(true), "none": .null,
            "repo": .object(["commit": .string("abc")]), "list": .array([.string("a"), .int(1)]),
        ])
        #expect(text == #"{"list": [!unsafe "a", 1], "name": !unsafe "demo", "none": null, "on": true, "port": 8080, "ratio": 0.5, "repo": {"commit": !unsafe "abc"}}"# + "\n")
    }

    @Test func escapesWhatYAMLWouldFoldOrReject() {
        #expect(ExtraVarsDocument.quoted("a\"b\\c\nd\te\r") == #""a\"b\\c\nd\te\r""#)
        #expect(ExtraVarsDocument.quoted("\u{1}\u{7F}\u{85}\u{2028}\u{2029}\u{FFFE}") == #""\u0001\u007f\u0085\u2028\u2029\ufffe""#)
        #expect(ExtraVarsDocument.quoted("é 🚀 {{ x }}") == "\"é 🚀 {{ x }}\"")
    }

    @Test func refusesNonFiniteNumbers() {
        #expect(throws: ExtraVarsDocument.UnrepresentableNumber.self) {
            try ExtraVarsDocument.render(["x": .double(.infinity)])
        }
    }
}

struct AnsibleInventoryTests {
    @Test func writesConnectionFieldsAndVars() throws {
        let inventory = AnsibleInventory(
            hosts: [
                InventoryHost(name: "vps-1", address: "10.0.0.2", port: 2222, user: "deploy", vars: ["region": .string("eu")]),
                InventoryHost(name: "here", address: "127.0.0.1", user: "me", connection: .local,
                              vars: ["ansible_python_interpreter": .string("/usr/bin/python3"), "ansible_host": .string("ignored")]),
            ],
            moduleTemporaryDirectory: "/run/x/tmp/remote"
        )
        let document = try JSONDecoder().decode(JSONValue.self, from: try inventory.rendered())
        let hosts: JSONValue = .object([
            "vps-1": .object([
                "ansible_host": .string("10.0.0.2"), "ansible_port": .int(2222), "ansible_user": .string("deploy"),
                "ansible_connection": .string("ssh"), "region": .string("eu"),
            ]),
            "here": .object([
                "ansible_host": .string("127.0.0.1"), "ansible_port": .int(22), "ansible_user": .string("me"),
                "ansible_connection": .string("local"), "ansible_python_interpreter": .string("/usr/bin/python3"),
                "ansible_remote_tmp": .string("/run/x/tmp/remote"),
            ]),
        ])
        #expect(document == .object(["all": .object(["hosts": hosts])]))
    }

    /// A batch's per-host vars live in the inventory: every string `!unsafe` (never templated), the connection
    /// fields plain (`{{ ansible_playbook_python }}` must be templated), and a private var wins as a host_vars
    /// file's would.
    @Test func privateVarsAreTaggedAndConnectionFieldsAreNot() throws {
        var here = InventoryHost(name: "p1", address: "127.0.0.1", user: "me", connection: .local)
        here.vars = ["region": .string("{{ eu }}")]
        let inventory = AnsibleInventory(
            hosts: [here], moduleTemporaryDirectory: "/t",
            privateVars: ["p1": ["env_content": .string("A=\"{{ x }}\"\nB=2"), "port": .int(8080), "region": .string("mine")]]
        )
        let text = String(decoding: try inventory.rendered(), as: UTF8.self)
        #expect(text.contains(#""ansible_python_interpreter": "{{ ansible_playbook_python }}""#))
        #expect(text.contains(#""env_content": !unsafe "A=\"{{ x }}\"\nB=2""#))
        #expect(text.contains(#""port": 8080"#))
        #expect(text.contains(#""region": !unsafe "mine""#))
        #expect(!text.contains("{{ eu }}"))
        #expect(text.split(separator: "\n").count == 3)
    }
}

struct PlaybookOutcomeTests {
    private func outcome(_ events: [AnsibleEvent]) -> PlaybookOutcome {
        var outcome = PlaybookOutcome()
        for event in events { _ = outcome.record(event) }
        return outcome
    }

    private let ok = AnsibleEvent.hostResult(.init(host: "h1", task: "first", status: .ok, durationMs: 5))
    private let tolerated = AnsibleEvent.hostResult(.init(host: "h1", task: "tolerated", status: .failed, durationMs: 5, message: "meh", ignoreErrors: true))
    private let failure = AnsibleEvent.hostResult(.init(host: "h2", task: "broken", status: .failed, durationMs: 5, message: "boom"))
    private let unreachable = AnsibleEvent.hostResult(.init(host: "h3", task: "first", status: .unreachable, durationMs: 5, message: "refused"))

    @Test func exitZeroSucceeds() {
        let result = outcome([ok, tolerated]).result(exit: .exited(0), stderrTail: "")
        #expect(result.status == .succeeded)
        #expect(result.exitCode == 0)
        #expect(result.tasks.map(\.status) == [.ok, .failed])
        #expect(result.failedTask == nil)
    }

    @Test func failureNamesTheFirstFailureThatIsNotIgnored() {
        let result = outcome([ok, tolerated, failure]).result(exit: .exited(2), stderrTail: "")
        #expect(result.status == .failed)
        #expect(result.exitCode == 2)
        #expect(result.failedTask == "broken")
        #expect(result.failedHost == "h2")
    }

    @Test func exitFourWithAnUnreachableHostIsUnreachable() {
        let result = outcome([unreachable, .stats(["h3": .init(unreachable: 1)])]).result(exit: .exited(4), stderrTail: "")
        #expect(result.status == .unreachable)
        #expect(result.exitCode == 4)
        #expect(result.failedHost == "h3")
        #expect(result.failedTask == "first")
    }

    @Test func exitFourWithoutAnUnreachableHostIsAFailure() {
        // ansible-playbook also exits 4 on a playbook it cannot parse.
        let result = outcome([]).result(exit: .exited(4), stderrTail: "ERROR! Syntax Error while loading YAML.")
        #expect(result.status == .failed)
        #expect(result.exitCode == 4)
        #expect(result.stderrTail == "ERROR! Syntax Error while loading YAML.")
    }

    @Test func timeoutCancellationAndSignals() {
        #expect(outcome([ok]).result(exit: .timedOut, stderrTail: "").status == .timedOut)
        #expect(outcome([ok]).result(exit: .cancelled, stderrTail: "").status == .interrupted)
        let killed = outcome([ok]).result(exit: .signaled(9), stderrTail: "last words")
        #expect(killed.status == .failed)
        #expect(killed.exitCode == nil)
        #expect(killed.stderrTail == "last words\nansible-playbook was killed by signal 9")
    }
}

struct PlaybookRunDirectoryTests {
    @Test func createsPrivateDirectoriesAndRemovesThemWhole() throws {
        let parent = try TemporaryDirectory(prefix: "steward-runs")
        let runs = parent.url.appendingPathComponent("state/runs")
        let directory = try PlaybookRunDirectory.create(in: runs)
        #expect(directory.url.lastPathComponent.hasPrefix("run-\(getpid())-"))
        try directory.writePrivateFile(directory.extraVarsFile, Data("{}".utf8))
        #expect(Self.mode(runs.path) == 0o700)
        #expect(Self.mode(directory.url.path) == 0o700)
        #expect(Self.mode(directory.extraVarsFile.path) == 0o600)
        #expect(throws: SystemCallError.self) { try directory.writePrivateFile(directory.extraVarsFile, Data()) }
        directory.remove()
        #expect(!FileManager.default.fileExists(atPath: directory.url.path))
    }

    @Test func removesOnlyDirectoriesOfDeadProcesses() throws {
        let parent = try TemporaryDirectory(prefix: "steward-runs")
        // Above Linux's largest pid_max (2^22), so no process has it.
        for name in ["run-99999999-abandoned", "run-\(getpid())-mine", "notes", "run-x-odd"] {
            try FileManager.default.createDirectory(at: parent.url.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        #expect(PlaybookRunDirectory.removeAbandoned(in: parent.url) == ["run-99999999-abandoned"])
        let left = try FileManager.default.contentsOfDirectory(atPath: parent.path).sorted()
        #expect(left == ["notes", "run-\(getpid())-mine", "run-x-odd"])
    }

    private static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }
}

struct PlaybookInvocationTests {
    @Test func argvHasNoVarsAndTheEnvironmentPinsSteward() throws {
        let parent = try TemporaryDirectory(prefix: "steward-runs")
        let directory = try PlaybookRunDirectory.create(in: parent.url)
        let runner = AnsiblePlaybookRunner(
            playbooksDirectory: URL(fileURLWithPath: "/opt/steward/playbooks"), workDirectory: parent.url,
            environment: [
                "PATH": "/usr/bin", "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_FORCE_COLOR": "1",
                "ANSIBLE_CALLBACK_PLUGINS": "/site/callbacks",
            ]
        )
        let request = PlaybookRequest(
            playbook: "/p/deploy.yml", hosts: [], extraVars: ["token": .string("hunter2")], secrets: ["hunter2"]
        )
        let invocation = runner.invocation(for: request, in: directory, executable: "/usr/bin/ansible-playbook")
        #expect(invocation.arguments == [
            "/usr/bin/ansible-playbook", "-i", directory.inventoryFile.path, "-e", "@" + directory.extraVarsFile.path,
            "/p/deploy.yml",
        ])
        let environment = invocation.environment
        #expect(environment["ANSIBLE_STDOUT_CALLBACK"] == "steward_jsonl")
        #expect(environment["ANSIBLE_CALLBACK_PLUGINS"] == "/opt/steward/playbooks/callback_plugins:/site/callbacks")
        #expect(environment["ANSIBLE_HOST_KEY_CHECKING"] == "True")
        #expect(environment["ANSIBLE_NOCOLOR"] == "1")
        #expect(environment["ANSIBLE_FORCE_COLOR"] == nil)
        #expect(environment["ANSIBLE_RETRY_FILES_ENABLED"] == "0")
        #expect(environment["ANSIBLE_LOCAL_TEMP"] == directory.localTemporaryDirectory.path)
        #expect(environment["PYTHONUNBUFFERED"] == "1")
        #expect(environment["PATH"] == "/usr/bin")
        #expect(!(invocation.arguments + environment.values).contains { $0.contains("hunter2") })
        directory.remove()
    }
}
