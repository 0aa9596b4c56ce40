import Foundation
import StewardTestSupport
import Testing

/// `steward sync forge --once` on the local forge: discovery, missing repos, incidents, through the binary.
struct ForgeSyncIntegrationTests {
    func projects(_ fixture: QuickstartFixture) throws -> [String: [String: Any]] {
        let listed = try StewardBinary.run(["get", "projects", "-o", "json"] + fixture.stateArguments)
        let array = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: array.map { ($0["name"] as? String ?? "", $0) })
    }

    @Test func discoversHandMadeReposAndFlagsAManagedRepoThatDisappears() async throws {
        let fixture = try await QuickstartFixture()
        // No deploy needed here: a suspended project is registered and synced, never deployed.
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest + "  suspend: true\n")
        try await fixture.config.commit("suspend hello")
        let forge = fixture.state.url.appendingPathComponent("forge/quickstart")
        try await run(["git", "init", "-q", "--bare", forge.appendingPathComponent("by-hand.git").path])

        let registered = try fixture.reconcile()
        #expect(registered.status == 0, "\(registered.stdout)\n\(registered.stderr)")
        var state = try projects(fixture)
        #expect(state["by-hand"]?["phase"] as? String == "discovered")
        #expect(state["hello"]?["githubRepoID"] as? Int != nil)

        let sync = try StewardBinary.run(["sync", "forge", "--once"] + fixture.configArguments)
        #expect(sync.status == 0)
        #expect(sync.stdout.contains("quickstart: 2 repos in 1 pages (1 unchanged)"))

        try FileManager.default.removeItem(at: forge.appendingPathComponent("hello.git"))
        try FileManager.default.removeItem(at: forge.appendingPathComponent("by-hand.git"))
        let gone = try StewardBinary.run(["sync", "forge", "--once"] + fixture.configArguments)
        #expect(gone.stdout.contains("missing 1"))
        state = try projects(fixture)
        #expect(state["hello"]?["phase"] as? String == "missing")
        #expect(state["by-hand"] == nil)
        let incidents = try StewardBinary.run(["get", "incidents"] + fixture.stateArguments)
        #expect(incidents.stdout.contains("repo_missing   critical   detected   Project/hello"))

        try FileManager.default.createSymbolicLink(atPath: forge.appendingPathComponent("hello.git").path, withDestinationPath: fixture.app.bare)
        _ = try StewardBinary.run(["sync", "forge", "--once"] + fixture.configArguments)
        state = try projects(fixture)
        #expect(state["hello"]?["phase"] as? String != "missing")
        let after = try StewardBinary.run(["get", "incidents", "-o", "json"] + fixture.stateArguments)
        #expect(after.stdout.contains("\"status\" : \"resolved\""))
    }
}
