import Foundation
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The runner against the real ansible-playbook on this machine (connection `local`, or ssh to a closed port).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct AnsiblePlaybookRunnerTests {
    @Test func streamsEventsInOrderAndNamesTheFailingTask() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("events.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: an ok task
                  ansible.builtin.command: "true"
                  changed_when: false
                - name: a slow changed task
                  ansible.builtin.command:
                    argv: [sh, -c, 'while [ ! -e "$0" ]; do sleep 0.05; done; sleep 1.2', "{{ streamed_marker }}"]
                - name: a tolerated failure
                  ansible.builtin.command: "false"
                  ignore_errors: true
                - name: a skipped task
                  ansible.builtin.command: "true"
                  when: false
                - name: a failing task
                  ansible.builtin.command:
                    argv: [sh, -c, 'echo "disk on fire" >&2; exit 3']
                - name: never reached
                  ansible.builtin.command: "true"
            """)
        // The slow task waits for a file that the event callback writes when it gets the first task's event:
        // it finishes only if events stream while the run goes on (else the run times out).
        let marker = work.url.appendingPathComponent("streamed").path
        let streamed = Recorder<TaskEvent>()

        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(
                playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()], extraVars: ["streamed_marker": .string(marker)],
                timeout: Patience.base)
        ) { event in
            streamed.append(event)
            FileManager.default.createFile(atPath: marker, contents: nil)
        }

        #expect(result.status == .failed)
        #expect(result.exitCode == 2, "stderr: \(result.stderrTail)")
        try #require(result.tasks.count == 5)
        #expect(result.failedTask == "a failing task")
        #expect(result.failedHost == "local1")
        #expect(result.tasks.map(\.task) == ["an ok task", "a slow changed task", "a tolerated failure", "a skipped task", "a failing task"])
        #expect(result.tasks.map(\.status) == [.ok, .changed, .failed, .skipped, .failed])
        #expect(result.tasks.allSatisfy { $0.host == "local1" })
        #expect(result.tasks[1].durationMs >= 1200)
        #expect(result.tasks[0].durationMs > 0)
        #expect(result.tasks[4].message?.contains("disk on fire") == true)
        #expect(result.tasks[0].message == nil)
        // Streamed as they happened (the slow task could finish), and all of them.
        #expect(streamed.values == result.tasks)
    }

    @Test func succeededRunHasExitZero() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("ok.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: loop over items
                  ansible.builtin.command:
                    argv: [echo, "{{ item }}"]
                  loop: [a, b]
            """)
        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()])
        ) { _ in }
        #expect(result.status == .succeeded)
        #expect(result.exitCode == 0)
        #expect(result.tasks == [TaskEvent(host: "local1", task: "loop over items", status: .changed, durationMs: result.tasks.first?.durationMs ?? -1)])
        #expect(result.failedTask == nil)
    }

    @Test func closedSSHPortIsUnreachable() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("ping.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: ping
                  ansible.builtin.ping:
            """)
        let host = InventoryHost(name: "dead", address: "127.0.0.1", port: 1, user: "nobody", connection: .ssh)
        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(playbook: playbook.path, hosts: [host], timeout: .seconds(60))
        ) { _ in }
        #expect(result.status == .unreachable)
        #expect(result.exitCode == 4)
        #expect(result.failedHost == "dead")
        #expect(result.failedTask == "ping")
        #expect(result.tasks.map(\.status) == [.unreachable])
        #expect(result.tasks.first?.message?.contains("Connection refused") == true)
    }

    @Test func unparsablePlaybookFailsWithStderr() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("broken.yml", "- hosts: [\n")
        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()])
        ) { _ in }
        // ansible-playbook exits 4 here too; without an unreachable host that is a failure.
        #expect(result.status == .failed)
        #expect(result.exitCode == 4)
        #expect(result.tasks.isEmpty)
        #expect(result.stderrTail.contains("Syntax Error while loading YAML"))
    }

    /// The files that hold secrets (extra vars, inventory) exist only until Ansible has read them: they are gone
    /// while the tasks run (issue 12 item 7: a `kill -9` then leaves no secret on disk), and the tasks still have
    /// every value.
    @Test func secretInputsAreGoneOnceThePlaybookStartsAndTasksStillHaveTheirValues() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let output = work.url.appendingPathComponent("tricky.out")
        let tricky = "quote \" backslash \\ newline\nnext\ttab é 🚀 {{ 7 * 6 }} {% if x %} NEL\u{85} LS\u{2028} ctl\u{1} end"
        let playbook = try work.write("vars.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: the run's inputs are deleted while it runs
                  ansible.builtin.wait_for:
                    path: "{{ item }}"
                    state: absent
                    timeout: 30
                  loop: ["{{ inventory_file }}", "{{ inventory_dir }}/extra-vars.yml"]
                - name: write the tricky value
                  ansible.builtin.copy:
                    content: "{{ tricky }}"
                    dest: "{{ output }}"
                - name: check the types
                  ansible.builtin.assert:
                    that:
                      - number == 42 and number is integer
                      - flag is sameas true
                      - nested.list[1] == 'b'
            """)
        let runs = work.url.appendingPathComponent("runs")
        let seen = Recorder<String>()
        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(
                playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()],
                extraVars: [
                    "tricky": .string(tricky), "output": .string(output.path), "number": .int(42), "flag": .bool(true),
                    "nested": .object(["list": .array([.string("a"), .string("b")])]),
                ]
            )
        ) { _ in
            // Called on the runner's thread while ansible-playbook still runs.
            let directories = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            for directory in directories {
                let run = runs.appendingPathComponent(directory)
                seen.append("\(directory.hasPrefix("run-")) dir \(Self.mode(run.path))")
                seen.append("vars \(Self.mode(run.appendingPathComponent("extra-vars.yml").path))")
                seen.append("inventory \(Self.mode(run.appendingPathComponent("inventory.yml").path))")
            }
        }
        #expect(result.status == .succeeded, "\(result)")
        #expect(Set(seen.values) == ["true dir 700", "vars missing", "inventory missing"])
        #expect(try String(contentsOf: output, encoding: .utf8) == tricky)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).isEmpty)
    }

    /// A batch: several inventory hosts, each with private vars in the 0600 inventory (deleted once the playbook
    /// starts); one host failing does not stop the others, and the recap gives each its own status.
    @Test func hostVarsArePrivatePerHostAndEachHostHasItsOwnResult() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let secret = "batch-secret-\(UUID().uuidString.prefix(8))"
        let playbook = try work.write("batch.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: the inventory is deleted while the run goes on
                  ansible.builtin.wait_for:
                    path: "{{ inventory_file }}"
                    state: absent
                    timeout: 30
                - name: write the value
                  ansible.builtin.copy:
                    content: "{{ value }}"
                    dest: "{{ output }}"
                - name: fail on request
                  ansible.builtin.fail:
                    msg: "{{ inventory_hostname }} was asked to fail"
                  when: fail_here | default(false)
                - name: after
                  ansible.builtin.assert:
                    that: not own_config or lookup('ansible.builtin.config', 'DEFAULT_INTERNAL_POLL_INTERVAL') == 0.01
            """)
        let runner = AnsibleTestSupport.runner(work: work)
        let runs = work.url.appendingPathComponent("runs")
        let seen = Recorder<String>()
        var hosts: [InventoryHost] = []
        var hostVars: [String: [String: JSONValue]] = [:]
        for name in ["p1", "p2", "p3"] {
            var host = AnsibleTestSupport.localHost()
            host.name = name
            hosts.append(host)
            hostVars[name] = [
                "value": .string(name == "p2" ? secret : "{{ \(name) }}"),
                "output": .string(work.url.appendingPathComponent("\(name).out").path),
                "fail_here": .bool(name == "p3"), "own_config": .bool(runner.usesOwnConfig),
            ]
        }
        let result = try await runner.run(
            PlaybookRequest(
                playbook: playbook.path, hosts: hosts, timeout: .seconds(120), secrets: [secret], hostVars: hostVars,
                forks: 3, strategy: "free")
        ) { _ in
            for directory in (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? [] {
                let run = runs.appendingPathComponent(directory)
                seen.append("inventory \(Self.mode(run.appendingPathComponent("inventory.yml").path))")
                seen.append("host_vars \(Self.mode(run.appendingPathComponent("host_vars").path))")
                if runner.usesOwnConfig { seen.append("cfg \(Self.mode(run.appendingPathComponent("ansible.cfg").path))") }
            }
        }
        #expect(result.status == .failed)
        #expect(result.exitCode == 2)
        #expect(Set(seen.values) == Set(["inventory missing", "host_vars missing"] + (runner.usesOwnConfig ? ["cfg 600"] : [])))
        // Each host saw its own values, verbatim (never templated).
        #expect(try String(contentsOf: work.url.appendingPathComponent("p1.out"), encoding: .utf8) == "{{ p1 }}")
        #expect(try String(contentsOf: work.url.appendingPathComponent("p2.out"), encoding: .utf8) == secret)
        #expect(result.hosts["p1"] == PlaybookHostResult(status: .succeeded))
        #expect(result.hosts["p2"] == PlaybookHostResult(status: .succeeded))
        #expect(result.hosts["p3"] == PlaybookHostResult(status: .failed, failedTask: "fail on request"))
        #expect(result.tasks.filter { $0.host == "p1" }.map(\.task) == [
            "the inventory is deleted while the run goes on", "write the value", "fail on request", "after",
        ])
        #expect(result.tasks.filter { $0.host == "p3" }.map(\.status) == [.ok, .changed, .failed])
        let p2 = result.result(forHost: "p2", reportedAs: "server")
        #expect(p2.status == .succeeded && p2.tasks.count == 4 && p2.tasks.allSatisfy { $0.host == "server" })
        #expect(result.result(forHost: "p3").failedTask == "fail on request")
        #expect(!result.tasks.contains { ($0.message ?? "").contains(secret) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).isEmpty)
    }

    @Test func secretsStayOutOfArgvAndAreRedacted() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let secret = "s3cr3t-VALUE-\(UUID().uuidString.prefix(8))"
        let playbook = try work.write("secret.yml", """
            - hosts: "nohost-{{ token }}"
              gather_facts: false
              tasks: []
            - hosts: all
              gather_facts: false
              tasks:
                - name: a first quick task
                  ansible.builtin.command: "true"
                - name: keep running a little
                  ansible.builtin.command:
                    argv: [sleep, "1"]
                - name: leak the token
                  ansible.builtin.fail:
                    msg: "the token is {{ token }}"
            """)
        let processes = Recorder<[String]>()
        let result = try await AnsibleTestSupport.runner(work: work).run(
            PlaybookRequest(
                playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()],
                extraVars: ["token": .string(secret)], secrets: [secret]
            )
        ) { event in
            guard event.task == "a first quick task" else { return }
            for process in ProcessTable.processes(withArgument: playbook.path) {
                processes.append(process.arguments)
                let environment = FileManager.default.contents(atPath: "/proc/\(process.pid)/environ") ?? Data()
                processes.append([String(decoding: environment, as: UTF8.self)])
            }
        }
        #expect(result.status == .failed)
        #expect(result.failedTask == "leak the token")
        #expect(result.tasks.last?.message == "the token is ***")
        #expect(!processes.values.isEmpty, "ansible-playbook was not found in /proc while it ran")
        let main = processes.values.first { $0.contains(where: { $0.hasSuffix("ansible-playbook") }) }
        #expect(main?.contains("-e") == true)
        #expect(main?.contains { $0.hasPrefix("@") && $0.hasSuffix("extra-vars.yml") } == true)
        #expect(!processes.values.joined().contains { $0.contains(secret) })
        // The unmatched host pattern is warned about on stderr, with the token in it.
        #expect(result.stderrTail.contains("nohost-***"))
        #expect(!result.stderrTail.contains(secret))
        #expect(!result.tasks.contains { ($0.message ?? "").contains(secret) || $0.task.contains(secret) })
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("slow.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: quick
                  ansible.builtin.command: "true"
                - name: sleep a day
                  ansible.builtin.command:
                    argv: [sleep, "86400"]
            """)
        let groups = Recorder<Int32>()
        let result = try await AnsibleTestSupport.runner(work: work, grace: .seconds(1)).run(
            PlaybookRequest(playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()], timeout: .seconds(2))
        ) { _ in
            for process in ProcessTable.processes(withArgument: playbook.path) { groups.append(process.pgid) }
        }
        // The day-long task ended with the run's 2 s timeout: the status says so, and nothing of the run is left.
        #expect(result.status == .timedOut)
        #expect(result.exitCode == nil)
        #expect(result.tasks.map(\.task) == ["quick"])
        let group = try #require(groups.values.first)
        #expect(await ProcessTable.survivors(ofGroup: group).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.url.appendingPathComponent("runs").path).isEmpty)
    }

    @Test func cancellingTheTaskInterruptsTheRun() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("slow.yml", """
            - hosts: all
              gather_facts: false
              tasks:
                - name: quick
                  ansible.builtin.command: "true"
                - name: sleep a day
                  ansible.builtin.command:
                    argv: [sleep, "86400"]
            """)
        let runner = AnsibleTestSupport.runner(work: work, grace: .seconds(1))
        let groups = Recorder<Int32>()
        let (firstEvent, signal) = AsyncStream<Void>.makeStream()
        let run = Task {
            try await runner.run(
                PlaybookRequest(playbook: playbook.path, hosts: [AnsibleTestSupport.localHost()], timeout: .seconds(120))
            ) { _ in
                for process in ProcessTable.processes(withArgument: playbook.path) { groups.append(process.pgid) }
                signal.yield()
            }
        }
        for await _ in firstEvent { break }
        run.cancel()
        let result = try await run.value
        // Interrupted, not timed out (120 s) nor finished (a day): the cancellation ended it.
        #expect(result.status == .interrupted)
        let group = try #require(groups.values.first)
        #expect(await ProcessTable.survivors(ofGroup: group).isEmpty)
    }

    @Test func missingAnsibleSaysWhatToInstall() async throws {
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let playbook = try work.write("any.yml", "- hosts: all\n  tasks: []\n")
        let runner = AnsiblePlaybookRunner(
            playbooksDirectory: AnsibleTestSupport.playbooksDirectory, workDirectory: work.url,
            ansiblePlaybook: "ansible-playbook-not-installed", environment: ["PATH": "/usr/bin:/bin"]
        )
        let error = await #expect(throws: AnsibleRunnerError.self) {
            try await runner.run(PlaybookRequest(playbook: playbook.path, hosts: [])) { _ in }
        }
        #expect(error?.code == .ansibleNotInstalled)
        #expect(error?.description.contains("apt-get install ansible-core") == true)
        #expect(error?.description.contains("/usr/bin:/bin") == true)
    }

    @Test func missingPlaybookIsAnError() async throws {
        try AnsibleTestSupport.requireAnsible()
        let work = try TemporaryDirectory(prefix: "steward-ansible")
        let error = await #expect(throws: AnsibleRunnerError.self) {
            try await AnsibleTestSupport.runner(work: work).run(
                PlaybookRequest(playbook: work.url.appendingPathComponent("nope.yml").path, hosts: [])
            ) { _ in }
        }
        #expect(error?.code == .playbookNotFound)
        #expect(error?.description.contains("nope.yml") == true)
    }

    private static func mode(_ path: String) -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let permissions = attributes[.posixPermissions] as? NSNumber
        else { return "missing" }
        return String(permissions.intValue, radix: 8)
    }
}
