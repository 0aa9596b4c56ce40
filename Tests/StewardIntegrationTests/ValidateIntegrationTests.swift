import Foundation
import StewardTestSupport
import Testing

/// `steward validate` as CI runs it: a checkout directory, three output formats, exit codes.
struct ValidateIntegrationTests {
    func checkout() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "steward-validate")
        try copyTree(StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/config"), into: directory.path)
        try directory.write("manifests/team/broken.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: api}
            spec:
              repo: acme/api
              server: local
              deploy: {playbook: ../../etc/passwd.yml}
            """)
        try directory.write("manifests/team/web.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: web}
            spec: {repo: acme/web, server: vps-9}
            """)
        return directory
    }

    @Test func aCleanRepoPassesWithExitZero() throws {
        let result = try StewardBinary.run(["validate", StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/config").path])
        #expect(result.status == 0)
        #expect(result.stdout == "0 errors, 0 warnings in 3 files\n")
    }

    @Test func problemsArePrintedRelativeToThePathWithExitOne() throws {
        let directory = try checkout()
        let text = try StewardBinary.run(["validate", directory.path])
        #expect(text.status == 1)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "manifests/team/broken.yaml:7:22: error: spec.deploy.playbook \"../../etc/passwd.yml\" escapes playbooks/: '..' is not allowed")
        #expect(lines[1].hasPrefix("manifests/team/web.yaml:4:32: error: spec.server \"vps-9\" names no Server manifest"))
        #expect(lines[2] == "2 errors, 0 warnings in 5 files")

        let github = try StewardBinary.run(["validate", directory.path, "--format", "github"])
        #expect(github.status == 1)
        #expect(github.stdout.hasPrefix("::error file=manifests/team/broken.yaml,line=7,col=22::spec.deploy.playbook"))

        let json = try StewardBinary.run(["validate", directory.path, "--format", "json"])
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["errors"] as? Int == 2)
    }

    @Test func aGitRevisionCanBeValidatedWithoutACheckout() async throws {
        let config = try await GitFixture()
        try copyTree(StewardBinary.repoRoot.appendingPathComponent("examples/quickstart/config"), into: config.workTree)
        try config.write("manifests/extra.yaml", "apiVersion: steward/v2\nkind: Project\n")
        try await config.commit("v2")
        let state = try TemporaryDirectory(prefix: "steward-state")
        let result = try StewardBinary.run(["validate", "--config-repo", config.fileURL, "--state-dir", state.path])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("manifests/extra.yaml:1:13: error: unknown apiVersion \"steward/v2\""))
    }
}
