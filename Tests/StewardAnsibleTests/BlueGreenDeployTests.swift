import Foundation
import Glibc
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// `deploy_project.yml` with strategy blueGreen on this machine: two slots behind the deploy user's own
/// nginx (the real /usr/sbin/nginx, its files in the test's temp dir), the public port polled from a
/// concurrent task while the playbook switches.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct BlueGreenDeployTests {
    static func describe(_ result: PlaybookResult) -> String {
        "\(result.failedTask ?? "-"): \(result.tasks.last?.message ?? "") \(result.stderrTail)"
    }

    static func summary(_ polls: [PublicPortPoller.Poll]) -> (failed: Int, versions: [String: Int]) {
        var versions: [String: Int] = [:]
        for poll in polls where poll.status == 200 { versions[poll.version ?? "?", default: 0] += 1 }
        return (polls.filter { $0.status != 200 }.count, versions)
    }

    @Test func switchesToANewCommitWithoutAFailedRequest() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "bg-switch")
        let first = try await deployment.commitVersion("1")

        let initial = try await deployment.deploy(commit: first, strategy: "blueGreen")
        #expect(initial.status == .succeeded, "\(Self.describe(initial))")
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "1""#) == true)
        #expect(await AnsibleTestSupport.httpGet(port: deployment.slotPorts.blue, path: "/health")?.status == 200)
        #expect(try deployment.marker()["slot"] == .string("blue"))
        #expect(try deployment.marker()["strategy"] == .string("blueGreen"))
        #expect(try deployment.marker()["port"] == .int(deployment.port))
        let site = try String(contentsOfFile: deployment.siteFile, encoding: .utf8)
        #expect(site.contains("listen \(deployment.port);"))
        #expect(site.contains("proxy_pass http://127.0.0.1:\(deployment.slotPorts.blue);"))
        let blue = try #require(deployment.supervisorPid(deployment.slotPidFile("blue")))

        let second = try await deployment.commitVersion("2")
        let poller = PublicPortPoller(port: deployment.port)
        let clock = ContinuousClock()
        let started = clock.now
        let switched = try await deployment.deploy(commit: second, strategy: "blueGreen")
        let switchTime = clock.now - started
        let pollsDuringRun = poller.count
        // More polls after the run: once it returned, only the new version answers (the old slot is gone).
        try await Task.sleep(for: .milliseconds(500))
        let polls = await poller.stop()
        let (failed, versions) = Self.summary(polls)

        #expect(switched.status == .succeeded, "\(Self.describe(switched))")
        #expect(polls.count >= 50, "the poller ran throughout (\(polls.count) polls)")
        #expect(failed == 0, "every poll during the switch answered 200 (\(failed) of \(polls.count) failed)")
        #expect(versions["1", default: 0] > 0 && versions["2", default: 0] > 0, "old, then new: \(versions)")
        // While nginx reloads, old workers may still answer a few requests with the old version; once the
        // run returned, none is left.
        #expect(polls.count > pollsDuringRun)
        #expect(polls[pollsDuringRun...].allSatisfy { $0.version == "2" })
        #expect(try deployment.marker()["slot"] == .string("green"))
        #expect(try deployment.marker()["commit"] == .string(second))
        #expect(try String(contentsOfFile: deployment.siteFile, encoding: .utf8).contains("127.0.0.1:\(deployment.slotPorts.green);"))
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == nil, "the old slot was stopped")
        #expect(!ProcessTable.isAlive(Int32(blue)))
        #expect(await AnsibleTestSupport.httpGet(port: deployment.slotPorts.blue, path: "/health") == nil)
        let order = switched.tasks.map(\.task)
        let gate = try #require(order.firstIndex { $0.hasPrefix("Health-check slot green") })
        let switchTask = try #require(order.firstIndex(of: "Point nginx at slot green"))
        let stopOld = try #require(order.firstIndex(of: "Stop slot blue (the previous version)"))
        #expect(gate < switchTask && switchTask < stopOld, "gate, then switch, then stop the old slot: \(order)")

        print("blueGreen switch run: \(switchTime); \(pollsDuringRun) polls of the public port during it, \(polls.count) in all, \(failed) failed, versions \(versions)")
    }

    @Test func unchangedRerunRestartsNothingAndRepairsAStoppedNginx() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "bg-rerun")
        let commit = try await deployment.commitVersion("1")
        let first = try await deployment.deploy(commit: commit, strategy: "blueGreen")
        #expect(first.status == .succeeded, "\(Self.describe(first))")
        let slot = try #require(deployment.supervisorPid(deployment.slotPidFile("blue")))
        let nginx = try #require(deployment.nginxMasterPid())

        let clock = ContinuousClock()
        let started = clock.now
        let again = try await deployment.deploy(commit: commit, strategy: "blueGreen")
        let rerunTime = clock.now - started
        #expect(again.status == .succeeded, "\(Self.describe(again))")
        #expect(again.tasks.filter(\.changed).map(\.task) == [], "a re-run with the same inputs changes nothing")
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == slot, "the live slot was not restarted")
        #expect(deployment.nginxMasterPid() == nginx, "nginx was neither restarted nor replaced")
        #expect(try deployment.marker()["slot"] == .string("blue"))

        // nginx gone behind Steward's back: the next run starts it again and leaves the healthy slot alone.
        let files = AnsibleTestSupport.playbooksDirectory.appendingPathComponent("files").path
        try await run(["python3", files + "/steward_proxy.py", "stop", "--prefix", deployment.nginxPrefix.path])
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/health") == nil)
        let repaired = try await deployment.deploy(commit: commit, strategy: "blueGreen")
        #expect(repaired.status == .succeeded, "\(Self.describe(repaired))")
        #expect(repaired.tasks.filter(\.changed).map(\.task) == ["Point nginx at slot blue"])
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == slot)
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/health")?.status == 200)

        print("blueGreen unchanged re-run: \(rerunTime)")
    }

    @Test func failedHealthGateOrProxyCheckKeepsTheOldVersionServing() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "bg-rollback")
        let good = try await deployment.commitVersion("1")
        let initial = try await deployment.deploy(commit: good, strategy: "blueGreen")
        #expect(initial.status == .succeeded, "\(Self.describe(initial))")
        let blue = try #require(deployment.supervisorPid(deployment.slotPidFile("blue")))

        // A version whose health endpoint answers 500: its slot never gets traffic.
        try deployment.editApp {
            $0.replacingOccurrences(of: #"self.reply(200, {"status": "ok"})"#, with: #"self.reply(500, {"status": "broken"})"#)
        }
        let broken = try await deployment.commitVersion("2")
        let poller = PublicPortPoller(port: deployment.port)
        let failed = try await deployment.deploy(
            commit: broken, strategy: "blueGreen", extra: ["steward_health_retries": .int(2)]
        )
        let polls = await poller.stop()
        #expect(failed.status == .failed)
        #expect(failed.failedTask == "Fail when the new slot is not healthy")
        let message = failed.tasks.last?.message ?? ""
        #expect(message.contains("in slot green failed its health check"), "\(message)")
        #expect(message.contains("GET http://127.0.0.1:\(deployment.slotPorts.green)/health did not answer 200"), "\(message)")
        #expect(message.contains("last answer: 500"), "\(message)")
        #expect(message.contains("slot blue keeps serving port \(deployment.port)"), "\(message)")
        let (failedPolls, versions) = Self.summary(polls)
        #expect(failedPolls == 0 && versions.keys.sorted() == ["1"], "the old version answered throughout: \(versions), \(failedPolls) failed")
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "1""#) == true)
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == blue, "the old slot kept running")
        #expect(deployment.supervisorPid(deployment.slotPidFile("green")) == nil, "the failed slot was stopped")
        #expect(try deployment.marker()["commit"] == .string(good))
        #expect(try deployment.marker()["slot"] == .string("blue"))
        #expect(!failed.tasks.contains { $0.task.hasPrefix("Point nginx") && $0.changed })

        // A version healthy on its slot port but not through nginx (its health answers 200 once, then 500):
        // nginx is switched back to the old slot and the new one is stopped.
        let flaky = """
            import os
            from http.server import BaseHTTPRequestHandler, HTTPServer
            answered = []
            class Handler(BaseHTTPRequestHandler):
                def do_GET(self):
                    status = 500 if answered else 200
                    answered.append(self.path)
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
            HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()

            """
        try deployment.repository.write("flaky.py", flaky)
        let third = try await deployment.commitVersion("3")
        let rolledBack = try await deployment.deploy(
            commit: third, command: "python3 flaky.py", strategy: "blueGreen", extra: ["steward_proxy_health_retries": .int(1)]
        )
        #expect(rolledBack.status == .failed)
        #expect(rolledBack.failedTask == "Fail when bg-rollback does not answer through nginx")
        let rollbackMessage = rolledBack.tasks.last?.message ?? ""
        #expect(rollbackMessage.contains("switched back to slot blue"), "\(rollbackMessage)")
        #expect(rolledBack.tasks.contains { $0.task == "Switch nginx back to slot blue" && $0.changed })
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "1""#) == true)
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == blue)
        #expect(deployment.supervisorPid(deployment.slotPidFile("green")) == nil)
        #expect(try String(contentsOfFile: deployment.siteFile, encoding: .utf8).contains("127.0.0.1:\(deployment.slotPorts.blue);"))

        // Fixed: the next good version deploys normally into the idle slot.
        try deployment.editApp {
            $0.replacingOccurrences(of: #"self.reply(500, {"status": "broken"})"#, with: #"self.reply(200, {"status": "ok"})"#)
        }
        let fixed = try await deployment.commitVersion("4")
        let recovered = try await deployment.deploy(commit: fixed, strategy: "blueGreen")
        #expect(recovered.status == .succeeded, "\(Self.describe(recovered))")
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "4""#) == true)
        #expect(try deployment.marker()["slot"] == .string("green"))
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == nil)
    }

    @Test func switchesStrategiesBothWaysAndRemoveLeavesNothing() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "bg-remove")
        let first = try await deployment.commitVersion("1")

        let recreate = try await deployment.deploy(commit: first)
        #expect(recreate.status == .succeeded, "\(Self.describe(recreate))")
        let instance = try #require(deployment.supervisorPid())

        // recreate -> blueGreen: nginx takes over the public port, the recreate instance is stopped.
        let second = try await deployment.commitVersion("2")
        let toBlueGreen = try await deployment.deploy(commit: second, strategy: "blueGreen")
        #expect(toBlueGreen.status == .succeeded, "\(Self.describe(toBlueGreen))")
        #expect(deployment.supervisorPid() == nil && !ProcessTable.isAlive(Int32(instance)))
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "2""#) == true)
        #expect(deployment.nginxMasterPid() != nil)

        // blueGreen -> recreate: slots and site go, nginx (no site left) stops, the app listens itself.
        let back = try await deployment.deploy(commit: second)
        #expect(back.status == .succeeded, "\(Self.describe(back))")
        #expect(deployment.nginxMasterPid() == nil)
        #expect(!FileManager.default.fileExists(atPath: deployment.siteFile))
        #expect(deployment.supervisorPid(deployment.slotPidFile("blue")) == nil)
        #expect(deployment.supervisorPid() != nil)
        #expect(try deployment.marker()["strategy"] == .string("recreate"))
        #expect(try deployment.marker()["slot"] == nil)
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/")?.body.contains(#""version": "2""#) == true)

        let third = try await deployment.commitVersion("3")
        let again = try await deployment.deploy(commit: third, strategy: "blueGreen")
        #expect(again.status == .succeeded, "\(Self.describe(again))")
        #expect(!deployment.liveProcesses().isEmpty)

        let removed = try await deployment.remove()
        #expect(removed.status == .succeeded, "\(Self.describe(removed))")
        #expect(deployment.liveProcesses() == [], "no supervisor, app or nginx of the project is left")
        #expect(deployment.nginxMasterPid() == nil)
        #expect(!FileManager.default.fileExists(atPath: deployment.siteFile))
        #expect(!FileManager.default.fileExists(atPath: deployment.projectDirectory.path))
        #expect(await AnsibleTestSupport.httpGet(port: deployment.port, path: "/health") == nil)
        let removedAgain = try await deployment.remove()
        #expect(removedAgain.status == .succeeded)
        #expect(removedAgain.tasks.filter(\.changed).isEmpty)
    }

    @Test func refusesBlueGreenWithoutNginxBeforeAnythingHappens() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "no-nginx")
        let commit = try await deployment.repository.commit()
        let result = try await deployment.deploy(
            commit: commit, strategy: "blueGreen", extra: ["steward_nginx": .string("/nonexistent/sbin/nginx")]
        )
        #expect(result.status == .failed)
        #expect(result.failedTask == "Refuse blueGreen without nginx")
        #expect(
            result.tasks.last?.message
                == "nginx is not installed on local1: provision the server (provision.yml installs it) or use strategy recreate"
        )
        #expect(!FileManager.default.fileExists(atPath: deployment.appsDirectory.path))
    }

    @Test func refusesBlueGreenWithoutDistinctSlotPorts() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "bad-slots")
        let commit = try await deployment.repository.commit()
        let result = try await deployment.deploy(
            commit: commit, strategy: "blueGreen",
            extra: ["slot_ports": .object(["blue": .int(deployment.port), "green": .int(deployment.slotPorts.green)])]
        )
        #expect(result.status == .failed)
        #expect(result.failedTask == "Check the slot ports")
        #expect(result.tasks.last?.message?.contains("strategy blueGreen needs slot_ports") == true)
        #expect(!FileManager.default.fileExists(atPath: deployment.appsDirectory.path))
    }
}
