import Foundation
import StewardTestSupport
import Testing

/// A person's repo that already holds a working app, declared with a brief and `stage: active`, and a server
/// that is not ready on the first pass (issue 11's "Why"): Steward deploys the app as it is, never commits to
/// the repo, and `reconcile --once` exits 0 once the app answers its health check.
@Suite(.serialized)
struct AdoptionIntegrationTests {
    @Test func aPersonsWorkingAppIsDeployedUnchangedAndNeverWrittenTo() async throws {
        try await StewardBinary.requireAnsible()
        let config = try await GitFixture()
        let state = try TemporaryDirectory(prefix: "steward-state")
        let port = try freePort()
        let closedPort = try freePort()
        defer { killSupervisedApp(pidFile: state.path + "/apps/shop/supervisor.pid") }

        // The person's repo on the local forge: the quickstart app, its Procfile, a README.
        let bare = state.path + "/forge/acme/shop.git"
        let work = try TemporaryDirectory(prefix: "persons-work")
        try await run(["git", "init", "-q", "--bare", "-b", "main", bare])
        try await run(["git", "init", "-q", "-b", "main", work.path])
        for (name, text) in try GitHubForgeFixture.quickstartApp() { try work.write(name, text) }
        try await run(["git", "add", "-A"], in: work.path)
        try await run(["git", "commit", "-q", "-m", "the person's app"], in: work.path)
        try await run(["git", "push", "-q", bare, "main"], in: work.path)
        let personsCommit = try await run(["git", "--git-dir", bare, "rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines)

        // The server answers no SSH on the first pass: not ready.
        try config.write("steward.yaml", """
            apiVersion: steward/v1
            kind: Settings
            forge: {provider: local, path: forge}
            agents: {backend: builtin}
            """)
        try config.write("manifests/local.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, port: \(closedPort), connection: ssh, capacity: {memoryMB: 512, ports: "\(port)-\(port)"}}
            """)
        try config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec:
              repo: acme/shop
              brief: "A shop front; it already runs."
              stage: active
              server: local
            """)
        try await config.commit("a person's app, a brief, a server that is not ready")
        let arguments = ["reconcile", "--once", "--config-repo", config.bare, "--state-dir", state.path]

        let first = try StewardBinary.run(arguments)
        #expect(first.status == 2, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("Project/shop: waiting_for_resources"), "\(first.stdout)")
        #expect(!first.stderr.contains("starting the project graph"), "no agent is started for a repo that runs")

        // The server becomes ready (here: the machine itself).
        try config.write("manifests/local.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 512, ports: "\(port)-\(port)"}}
            """)
        try await config.commit("the server is ready")
        let second = try StewardBinary.run(arguments)
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        await #expect(httpGet("http://127.0.0.1:\(port)/health")?.contains("ok") == true)
        await #expect(httpGet("http://127.0.0.1:\(port)/")?.contains("from the quickstart app") == true)

        // The repo is exactly the person's: one commit, no branch of Steward's; the deployed commit is theirs.
        #expect(try await run(["git", "--git-dir", bare, "rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) == personsCommit)
        #expect(try await run(["git", "--git-dir", bare, "for-each-ref", "--format=%(refname)"])
            .trimmingCharacters(in: .whitespacesAndNewlines) == "refs/heads/main")
        let describe = try StewardBinary.run(["describe", "project", "shop", "--state-dir", state.path]).stdout
        #expect(describe.contains("Phase:         active"), "\(describe)")
        #expect(describe.contains("adopted: agents only propose changes"), "\(describe)")
        #expect(describe.contains("Deployed:      \(personsCommit)"), "\(describe)")
        #expect(!describe.contains("designing") && !describe.contains("implementing"), "\(describe)")

        let third = try StewardBinary.run(arguments)
        #expect(third.status == 0, "\(third.stdout)\n\(third.stderr)")
        #expect(third.stdout.contains("0 ansible-playbook runs"), "\(third.stdout)")
    }

    /// A person's repo on GitHub with no app yet: the agents' design goes to a branch and a pull request, the
    /// project waits (exit 2, the link in describe), and continues once the pull request is merged.
    @Test func agentChangesToAPersonsGitHubRepoArePullRequestsThatWaitForTheMerge() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await GitHubForgeFixture()
        let start = try await fixture.server.pushCommit(owner: "acme", name: "plans", files: ["README.md": "# plans, by a person\n"])
        try fixture.config.write("manifests/plans.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: plans}
            spec: {repo: acme/plans, brief: "Plans for a shop.", stage: designed}
            """)
        try await fixture.config.commit("a design for a person's repo")
        let bare = try #require(try fixture.server.gitDirectory(owner: "acme", name: "plans")).path

        let first = try fixture.reconcile()
        #expect(first.status == 2, "\(first.stdout)\n\(first.stderr)")
        let pulls = fixture.server.pullRequests
        #expect(pulls.count == 1 && pulls.first?.head == "steward/1-plans" && pulls.first?.base == "main", "\(pulls)\n\(first.stdout)\n\(first.stderr)")
        #expect(try await run(["git", "--git-dir", bare, "rev-parse", "main"]).trimmingCharacters(in: .whitespacesAndNewlines) == start)
        #expect(try await run(["git", "--git-dir", bare, "ls-tree", "-r", "--name-only", "steward/1-plans"]).contains("docs/DESIGN.md"))
        var describe = try fixture.describe("plans")
        #expect(describe.contains("Proposal:      pull request ") && describe.contains("/acme/plans/pull/1"), "\(describe)")
        #expect(first.stdout.contains("/acme/plans/pull/1"), "the question names the pull request: \(first.stdout)")

        // Nothing merged: still waiting, no second pull request.
        let again = try fixture.reconcile()
        #expect(again.status == 2, "\(again.stdout)\n\(again.stderr)")
        #expect(fixture.server.pullRequests.count == 1)

        // A person merges the pull request (main moves to the branch): the project reaches its stage.
        try await run(["git", "--git-dir", bare, "update-ref", "refs/heads/main", "refs/heads/steward/1-plans"])
        let merged = try fixture.reconcile()
        #expect(merged.status == 0, "\(merged.stdout)\n\(merged.stderr)")
        describe = try fixture.describe("plans")
        #expect(describe.contains("Proposal:      none") && describe.contains("ProposalAnswered"), "\(describe)")
    }
}
