import Foundation
import Glibc
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// `deploy_project.yml` over SSH on a real test host (`scripts/testhosts.sh`, host 21: its own network
/// namespace and root filesystem, sshd with host key checking on): a recreate and a blueGreen deploy,
/// both from a git bundle sent by the controller (the clone URL does not exist there), answering on
/// the host's address from this machine.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct DeployOverSSHTests {
    static let script = AnsibleTestSupport.repositoryRoot.appendingPathComponent("scripts/testhosts.sh").path
    /// Host numbers 21–25 are this suite's (other suites use other numbers at the same time).
    static let hostNumber = 21

    struct TestHost: Decodable {
        var name: String
        var address: String
        var port: Int
        var user: String
        var privateKeyFile: String
    }

    /// The test host as an inventory host: its key, and host key checking against its known_hosts.
    static func inventoryHost(_ host: TestHost, knownHosts: String) -> InventoryHost {
        InventoryHost(
            name: host.name, address: host.address, port: host.port, user: host.user, connection: .ssh,
            vars: [
                "ansible_ssh_private_key_file": .string(host.privateKeyFile),
                "ansible_ssh_common_args": .string("-o UserKnownHostsFile=\(knownHosts) -o StrictHostKeyChecking=yes"),
            ]
        )
    }

    /// Command lines of the live processes whose root directory is `root` (those running inside a test host).
    static func processes(rootedAt root: String) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap(Int32.init).compactMap { pid in
            guard ProcessTable.isAlive(pid),
                  (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/root")) == root,
                  let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            else { return nil }
            return String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        }
    }

    /// The quickstart app listening on $BIND (so it answers on the host's address, not only its loopback).
    static func listenOnBind(_ source: String) -> String {
        source.replacingOccurrences(
            of: #"ThreadingHTTPServer(("127.0.0.1", port), Handler)"#,
            with: #"ThreadingHTTPServer((os.environ.get("BIND", "127.0.0.1"), port), Handler)"#
        )
    }

    @Test func recreateAndBlueGreenFromABundleAnswerOnTheHostsAddress() async throws {
        try AnsibleTestSupport.requireAnsible()
        guard getuid() == 0 else {
            Issue.record("the test hosts need root (network namespaces, overlay mounts); run the tests as root")
            return
        }
        let dir = try TemporaryDirectory(prefix: "steward-ssh-deploy")
        let hostsDir = dir.url.appendingPathComponent("hosts").path
        do {
            try await run([Self.script, "up", hostsDir, "1", String(Self.hostNumber)])
        } catch {
            _ = try? await run([Self.script, "down", hostsDir])
            Issue.record("scripts/testhosts.sh up failed: \(error)")
            throw error
        }
        var deployments: [ProjectDeployment] = []
        var failure: (any Error)?
        do {
            let hosts = try JSONDecoder().decode([TestHost].self, from: Data(contentsOf: URL(fileURLWithPath: hostsDir + "/hosts.json")))
            let testHost = try #require(hosts.first)
            #expect(testHost.address == "10.231.\(Self.hostNumber).2")
            let host = Self.inventoryHost(testHost, knownHosts: hostsDir + "/known_hosts")
            let recreate = try await ProjectDeployment(project: "ssh-recreate", host: host)
            let blueGreen = try await ProjectDeployment(project: "ssh-bluegreen", host: host)
            deployments = [recreate, blueGreen]
            try await exercise(recreate: recreate, blueGreen: blueGreen, testHost: testHost, hostsDir: hostsDir)
        } catch {
            failure = error
        }
        // Whatever happened: stop what runs inside the host, then tear the host down.
        for deployment in deployments {
            _ = try? await deployment.remove()
        }
        _ = try? await run([Self.script, "down", hostsDir])
        if let failure { throw failure }
    }

    private func exercise(
        recreate: ProjectDeployment, blueGreen: ProjectDeployment, testHost: TestHost, hostsDir: String
    ) async throws {
        func ssh(_ command: String) async throws -> String {
            try await run([
                "ssh", "-i", testHost.privateKeyFile, "-p", String(testHost.port), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=\(hostsDir)/known_hosts",
                "-o", "ConnectTimeout=5", "\(testHost.user)@\(testHost.address)", command,
            ])
        }
        let env = "BIND=0.0.0.0\nGREETING=hello from the test host\n"
        let clock = ContinuousClock()
        for deployment in [recreate, blueGreen] {
            try deployment.editApp(Self.listenOnBind)
        }
        // Nothing at this URL on the host: a deploy that succeeds took its source from the bundle.
        let noForge = "/nonexistent/steward-forge/\(UUID().uuidString).git"
        await #expect(try ssh("test -e /nonexistent/steward-forge && echo present || echo absent").contains("absent"))

        // recreate
        let recreateCommit = try await recreate.commitVersion("1")
        var started = clock.now
        let recreated = try await recreate.deploy(commit: recreateCommit, env: env, cloneURL: noForge, bundle: try recreate.bundle())
        let recreateTime = clock.now - started
        #expect(recreated.status == .succeeded, "\(BlueGreenDeployTests.describe(recreated))")
        let direct = await AnsibleTestSupport.httpGet(host: testHost.address, port: recreate.port, path: "/")
        #expect(direct?.status == 200)
        #expect(direct?.body.contains("hello from the test host") == true)
        await #expect(try ssh("cat ~/.steward/apps/ssh-recreate/deployed.json").contains(recreateCommit))
        await #expect(try ssh("test -f ~/.steward/apps/ssh-recreate/source.bundle && echo yes").contains("yes"))

        // blueGreen: first deploy, then a switch to a new commit while this machine polls the host's public port.
        let first = try await blueGreen.commitVersion("1")
        started = clock.now
        let initial = try await blueGreen.deploy(commit: first, env: env, strategy: "blueGreen", cloneURL: noForge, bundle: try blueGreen.bundle())
        let initialTime = clock.now - started
        #expect(initial.status == .succeeded, "\(BlueGreenDeployTests.describe(initial))")
        let served = await AnsibleTestSupport.httpGet(host: testHost.address, port: blueGreen.port, path: "/")
        #expect(served?.status == 200)
        #expect(served.flatMap { PublicPortPoller.version(in: $0.body) } == "1")

        let second = try await blueGreen.commitVersion("2")
        let bundle = try await blueGreen.bundle()
        let poller = PublicPortPoller(host: testHost.address, port: blueGreen.port)
        started = clock.now
        let switched = try await blueGreen.deploy(commit: second, env: env, strategy: "blueGreen", cloneURL: noForge, bundle: bundle)
        let switchTime = clock.now - started
        let polls = await poller.stop()
        let (failed, versions) = BlueGreenDeployTests.summary(polls)
        #expect(switched.status == .succeeded, "\(BlueGreenDeployTests.describe(switched))")
        #expect(switched.tasks.contains { $0.task == "Copy the source bundle" && $0.changed }, "the new bundle was sent")
        #expect(failed == 0, "every poll answered 200 (\(failed) of \(polls.count) failed)")
        #expect(versions["2", default: 0] > 0, "\(versions)")
        let after = await AnsibleTestSupport.httpGet(host: testHost.address, port: blueGreen.port, path: "/")
        #expect(after.flatMap { PublicPortPoller.version(in: $0.body) } == "2")
        let marker = try await ssh("cat ~/.steward/apps/ssh-bluegreen/deployed.json")
        #expect(marker.contains(#""slot": "green""#) && marker.contains(second), "\(marker)")
        await #expect(try ssh("cat ~/.steward/nginx/sites/ssh-bluegreen.conf").contains("proxy_pass http://127.0.0.1:\(blueGreen.slotPorts.green);"))

        // The same bundle again: nothing to copy, nothing restarted.
        let again = try await blueGreen.deploy(commit: second, env: env, strategy: "blueGreen", cloneURL: noForge, bundle: bundle)
        #expect(again.status == .succeeded, "\(BlueGreenDeployTests.describe(again))")
        #expect(again.tasks.filter(\.changed).map(\.task) == [])

        // remove both: nothing answers, nothing of them is left on the host, its nginx stopped.
        for deployment in [recreate, blueGreen] {
            let removed = try await deployment.remove()
            #expect(removed.status == .succeeded, "\(BlueGreenDeployTests.describe(removed))")
            #expect(await AnsibleTestSupport.httpGet(host: testHost.address, port: deployment.port, path: "/health") == nil)
        }
        await #expect(try ssh("find ~/.steward/apps ~/.steward/nginx/sites -mindepth 1 | wc -l").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // The host shares this machine's process table (not its root): its processes are those whose root is its tree.
        let merged = URL(fileURLWithPath: hostsDir).resolvingSymlinksInPath().appendingPathComponent("steward-th\(Self.hostNumber)/merged").path
        // A process caught while it exits (its command line already gone, not yet a zombie) is not one left behind:
        // what is still there once exits have finished is.
        try await waitUntil("no process left inside the host", detail: {
            "\(Self.processes(rootedAt: merged).filter { !$0.contains("sshd") })"
        }) { Self.processes(rootedAt: merged).filter { !$0.contains("sshd") }.isEmpty }

        print(
            "over SSH: recreate deploy \(recreateTime), blueGreen first deploy \(initialTime), switch \(switchTime) "
                + "with \(polls.count) polls from this machine, \(failed) failed, versions \(versions)"
        )
    }
}
