import Foundation
import StewardModel
import Testing

/// The config repo shipped in `examples/quickstart/config` must stay valid as the rules get stricter.
struct ExampleConfigTests {
    /// The repository root, found from this file's path (Tests/StewardModelTests/ExampleConfigTests.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Parses and validates `paths` under `root` as a reconcile would.
    static func validate(_ root: URL, _ paths: [String]) throws -> DesiredState {
        var files: [String: ParsedFile] = [:]
        var entries: [ConfigEntry] = []
        for path in paths {
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            files[path] = ManifestParser().parse(path: path, data: data)
            entries.append(ConfigEntry(path: path, blobID: SHA256Digest.hex(data), size: data.count))
        }
        return ManifestValidator(builtinPlaybooks: ["deploy_project.yml"]).validate(files: files, entries: entries)
    }

    @Test func quickstartConfigValidatesClean() throws {
        let root = Self.repoRoot.appendingPathComponent("examples/quickstart/config")
        let paths = ["steward.yaml", "manifests/hello.yaml", "manifests/local.yaml"]
        let desired = try Self.validate(root, paths)
        #expect(desired.diagnostics == [])
        #expect(desired.brokenFiles == [])
        #expect(desired.projects.map(\.name) == ["hello"])
        #expect(desired.servers.map(\.name) == ["local"])
        #expect(desired.projects.first?.spec.server == "local")
        #expect(desired.servers.first?.spec.capacity.ports == PortRange(lower: 18080, upper: 18089))
        #expect(desired.settings.playbookTimeout == 300)
    }

    @Test func serversConfigValidatesClean() throws {
        let root = Self.repoRoot.appendingPathComponent("examples/servers/config")
        let paths = ["steward.yaml", "manifests/servers.yaml", "manifests/projects.yaml"]
        let desired = try Self.validate(root, paths)
        #expect(desired.diagnostics == [])
        #expect(desired.servers.map(\.name) == ["srv-a", "srv-b", "srv-c"])
        #expect(desired.servers.allSatisfy { $0.spec.user == "deploy" && $0.spec.bootstrapUser == "root" && $0.spec.connection == .ssh })
        #expect(desired.projects.map(\.name) == ["web", "api", "shop"])
        #expect(desired.projects.first { $0.name == "api" }?.spec.server == nil)
        #expect(desired.projects.first { $0.name == "shop" }?.spec.deploy.strategy == .blueGreen)
        #expect(desired.settings.concurrency == 4)
    }
}
