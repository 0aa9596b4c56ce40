import Foundation
import Logging
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The reconcile pass with server_sync wired in: a new SSH server is trusted and provisioned in the pass that
/// registers it; its project waits, then deploys over SSH with Steward's access settings.
struct ServerReconcileTests {
    @Test func newSSHServerIsProvisionedInItsFirstPassAndItsProjectDeploysNext() async throws {
        let config = try TemporaryDirectory(prefix: "config")
        let state = try TemporaryDirectory(prefix: "state")
        let playbooks = try TemporaryDirectory(prefix: "playbooks")
        for name in ["deploy_project.yml", "bootstrap.yml", "provision.yml", "server_facts.yml"] {
            try playbooks.write(name, "- hosts: all\n")
        }
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            ssh: {privateKeyFile: /keys/steward, knownHostsFile: ssh/known_hosts}
            intervals: {serverSync: 1h}
            """)
        try config.write("manifests/servers.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: vps-1}
            spec: {address: 10.0.0.2}
            """)
        try config.write("manifests/hello.yaml", ReconcilerHarness.project("hello").replacingOccurrences(of: "server: local", with: "server: vps-1"))
        let store = InMemoryStateStore()
        let probe = FakeHostProbe()
        let runner = ServerPlaybookRunner()
        await probe.set("10.0.0.2", [ServerSyncTests.keyA])
        await runner.setReachable(["vps-1"])
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        var reconciler = Reconciler(
            source: DirectoryConfigSource(root: config.url), store: store,
            makeResolver: { _ in FakeResolver(commits: ["acme/hello": "c1"]) }, runner: runner,
            library: try PlaybookLibrary(directory: playbooks.url), stateDirectory: state.url, logger: logger)
        reconciler.servers = ServerLifecycle(
            store: store, runner: runner, probe: probe, playbooksDirectory: playbooks.url, stateDirectory: state.url,
            publicKey: { _ in "ssh-ed25519 AAAAsteward" }, logger: logger)

        let first = try await reconciler.reconcile()
        #expect(try #require(await store.server(named: "vps-1")).status == .ready)
        #expect(await store.project(named: "hello")?.phase == .waitingForResources)
        #expect(first.outcome == .progressing)
        #expect(try String(contentsOfFile: state.path + "/ssh/known_hosts", encoding: .utf8).contains("10.0.0.2 \(ServerSyncTests.keyA)"))

        let second = try await reconciler.reconcile()
        #expect(second.outcome == .converged, "\(second.failures) \(second.pending)")
        #expect(await store.project(named: "hello")?.phase == .active)
        // The sync was not due again (intervals.serverSync 1h): the deploy is the only run of the pass.
        #expect(await runner.playbooks == ["server_facts.yml", "bootstrap.yml", "provision.yml", "deploy_project.yml"])
        let deploy = try #require(await runner.requests.last?.hosts.first)
        #expect(deploy.user == "deploy" && deploy.address == "10.0.0.2")
        #expect(deploy.vars["ansible_ssh_private_key_file"] == .string("/keys/steward"))
        guard case .string(let arguments) = deploy.vars["ansible_ssh_common_args"] else {
            Issue.record("the deploy host has no ssh arguments")
            return
        }
        #expect(arguments.contains("UserKnownHostsFile=\(state.url.appendingPathComponent("ssh/known_hosts").standardizedFileURL.path)"))
        #expect(arguments.contains("StrictHostKeyChecking=yes"))
    }
}
