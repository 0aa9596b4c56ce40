import Foundation
import StewardModel
import Testing

struct ManifestParserSmokeTests {
    @Test func parsesAProjectAndAServer() {
        let yaml = """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: hello}
            spec:
              repo: quickstart/hello
              server: local
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: local}
            spec: {address: 127.0.0.1, connection: local, capacity: {ports: "18000-18099"}}
            """
        let parsed = ManifestParser().parse(path: "manifests/a.yaml", data: Data(yaml.utf8))
        #expect(parsed.diagnostics == [])
        #expect(parsed.projects.map(\.name) == ["hello"])
        #expect(parsed.servers.first?.spec.capacity.ports == PortRange(lower: 18000, upper: 18099))
    }

    @Test func reportsUnknownFieldWithHint() {
        let yaml = "apiVersion: steward/v1\nkind: Project\nmetadata: {name: hello}\nspec:\n  repos: a/b\n"
        let parsed = ManifestParser().parse(path: "manifests/a.yaml", data: Data(yaml.utf8))
        #expect(parsed.diagnostics.map(\.description) == [
            "manifests/a.yaml:4:1: error: missing required field \"spec.repo\"; expected OWNER/NAME of the project's repository",
            "manifests/a.yaml:5:3: error: unknown field \"spec.repos\" (did you mean \"repo\"?)",
        ])
    }
}
