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

    @Test func serverBootstrapUserDefaultsToRootAndIsValidated() throws {
        let yaml = """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: a}
            spec: {address: 10.0.0.2}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: b}
            spec: {address: 10.0.0.3, user: app, bootstrapUser: admin}
            ---
            apiVersion: steward/v1
            kind: Server
            metadata: {name: c}
            spec: {address: 10.0.0.4, bootstrapUser: "bad user"}
            """
        let parsed = ManifestParser().parse(path: "manifests/s.yaml", data: Data(yaml.utf8))
        #expect(parsed.servers.map(\.spec.bootstrapUser) == ["root", "admin"])
        #expect(parsed.servers.map(\.spec.user) == ["deploy", "app"])
        #expect(parsed.diagnostics.map(\.description) == [
            "manifests/s.yaml:14:42: error: spec.bootstrapUser \"bad user\" is not a valid user name",
        ])
        // The parse cache keeps the field.
        let cached = try ParsedFile(binary: parsed.binaryEncoded())
        #expect(cached.servers.map(\.spec.bootstrapUser) == ["root", "admin"])
    }

    @Test func dependsOnAndAgentsAreReadAndTheParseCacheKeepsThem() throws {
        let yaml = """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: web}
            spec:
              repo: acme/web
              dependsOn: [db, auth]
              agents: {write: direct}
            """
        let parsed = ManifestParser().parse(path: "manifests/web.yaml", data: Data(yaml.utf8))
        #expect(parsed.diagnostics.isEmpty)
        let spec = try #require(parsed.projects.first?.spec)
        #expect(spec.dependsOn == ["db", "auth"] && spec.agents?.write == .direct)
        #expect(parsed.projects.first?.fieldLocations["spec.dependsOn[1]"] == SourceLocation(file: "manifests/web.yaml", line: 6, column: 19))
        let cached = try ParsedFile(binary: parsed.binaryEncoded())
        #expect(cached == parsed, "the cache once dropped spec.agents: a cached parse must equal a fresh one")
        // A project without dependsOn hashes as before the field existed.
        #expect(CanonicalJSON.hash(ProjectSpec(repo: "acme/web")) == CanonicalJSON.hash(ProjectSpec(repo: "acme/web", dependsOn: nil)))
        #expect(!String(decoding: CanonicalJSON.encode(ProjectSpec(repo: "acme/web")), as: UTF8.self).contains("dependsOn"))
    }
}
