import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

@testable import StewardGit

/// Issue 12 item 9: a git submodule in the config repo was skipped without a word, and `validate PATH` read the
/// manifests of its checkout while a reconcile of the same repo did not.
struct ConfigSubmoduleTests {
    static func server(_ name: String) -> String {
        "apiVersion: steward/v1\nkind: Server\nmetadata: {name: \(name)}\nspec: {address: 127.0.0.1, connection: local}\n"
    }

    @Test func aSubmoduleUnderManifestsIsAWarningForAReconcileAndAnErrorForValidate() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "apiVersion: steward/v1\nkind: Settings\n")
        try fixture.write("manifests/own.yaml", Self.server("own"))
        let first = try await fixture.commit("own files")
        // A gitlink, as `git submodule add` makes it (the other repository need not be reachable).
        try await run(["git", "update-index", "--add", "--cacheinfo", "160000,\(first),manifests/team"], in: fixture.workTree)
        try await run(["git", "update-index", "--add", "--cacheinfo", "160000,\(first),docs/theme"], in: fixture.workTree)
        try await run(["git", "commit", "-q", "-m", "submodules"], in: fixture.workTree)
        try await run(["git", "push", "-q", "origin", "HEAD:refs/heads/main"], in: fixture.workTree)
        let source = fixture.source()
        let revision = try await source.update()

        let entries = try await source.entries(at: revision)
        #expect(entries.filter { $0.kind == .submodule }.map(\.path) == ["docs/theme", "manifests/team"])

        let reconcile = try await ConfigLoader(source: source, store: nil, builtinPlaybooks: []).load(revision)
        let warnings = reconcile.desired.diagnostics.filter { $0.message.contains("git submodule") }
        #expect(warnings.map(\.location.file) == ["manifests/team"], "\(reconcile.desired.diagnostics)")
        #expect(warnings.allSatisfy { $0.severity == .warning })
        #expect(warnings.first?.message.contains("commit \(first.prefix(12))") == true)
        #expect(!reconcile.desired.diagnostics.hasErrors)
        #expect(reconcile.desired.servers.map(\.name) == ["own"])

        let validate = try await ConfigLoader(
            source: source, store: nil, builtinPlaybooks: [], submoduleSeverity: .error
        ).load(revision)
        #expect(validate.desired.diagnostics.hasErrors)
        #expect(validate.desired.diagnostics.filter { $0.severity == .error }.map(\.location.file) == ["manifests/team"])
    }

    /// A checkout (`validate PATH` in CI) sees the submodule's files on disk: they are reported the same way and
    /// never read, so both ways of validating one repo agree.
    @Test func aDirectoryWithItsOwnGitIsOneSubmoduleEntryInACheckout() async throws {
        let directory = try TemporaryDirectory(prefix: "steward-submodule")
        try directory.write("steward.yaml", "apiVersion: steward/v1\nkind: Settings\n")
        try directory.write("manifests/own.yaml", Self.server("own"))
        try directory.write("manifests/team/.git", "gitdir: ../../.git/modules/team\n")
        try directory.write("manifests/team/other.yaml", Self.server("other"))
        let source = DirectoryConfigSource(root: directory.url)
        let revision = try await source.update()
        let loaded = try await ConfigLoader(
            source: source, store: nil, builtinPlaybooks: [], submoduleSeverity: .error
        ).load(revision)
        #expect(loaded.parsedFiles == 2)
        #expect(loaded.desired.servers.map(\.name) == ["own"])
        #expect(loaded.desired.diagnostics.map(\.location.file) == ["manifests/team"])
        #expect(loaded.desired.diagnostics.first?.severity == .error)
    }
}
