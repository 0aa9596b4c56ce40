import Foundation
import StewardModel
import Testing

/// The config repo shipped in `examples/quickstart/config` must stay valid as the rules get stricter.
struct ExampleConfigTests {
    /// The repository root, found from this file's path (Tests/StewardModelTests/ExampleConfigTests.swift).
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func quickstartConfigValidatesClean() throws {
        let root = Self.repoRoot.appendingPathComponent("examples/quickstart/config")
        let paths = ["steward.yaml", "manifests/hello.yaml", "manifests/local.yaml"]
        var files: [String: ParsedFile] = [:]
        var entries: [ConfigEntry] = []
        for path in paths {
            let data = try Data(contentsOf: root.appendingPathComponent(path))
            files[path] = ManifestParser().parse(path: path, data: data)
            entries.append(ConfigEntry(path: path, blobID: SHA256Digest.hex(data), size: data.count))
        }
        let desired = ManifestValidator(builtinPlaybooks: ["deploy_project.yml"]).validate(files: files, entries: entries)
        #expect(desired.diagnostics == [])
        #expect(desired.brokenFiles == [])
        #expect(desired.projects.map(\.name) == ["hello"])
        #expect(desired.servers.map(\.name) == ["local"])
        #expect(desired.projects.first?.spec.server == "local")
        #expect(desired.servers.first?.spec.capacity.ports == PortRange(lower: 18080, upper: 18089))
        #expect(desired.settings.playbookTimeout == 300)
    }
}
