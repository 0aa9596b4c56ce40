import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

/// Credentials come only from the environment and never reach the disk, a URL or an error message.
struct GitConfigSourceCredentialsTests {
    @Test(arguments: [
        "https://user:hunter2-secret@example.com/acme/config.git",
        "https://hunter2-secret@example.com/acme/config.git",
        "http://x-access-token:hunter2-secret@127.0.0.1:1/config.git",
    ])
    func urlWithCredentialsIsRejectedWithoutRepeatingThem(url: String) async throws {
        let fixture = try await GitFixture()

        let error = try await #require(throws: GitError.self) { try await fixture.source(url: url).update() }

        #expect(error.code == .credentialsInURL)
        #expect(!error.description.contains("hunter2-secret"))
        #expect(error.description.contains("STEWARD_GIT_TOKEN"))
        #expect(!FileManager.default.fileExists(atPath: fixture.cache.path))
    }

    @Test func tokenIsSentFromTheEnvironmentAndNeverStored() async throws {
        let fixture = try await GitFixture()
        try fixture.write("steward.yaml", "kind: Settings\n")
        let commit = try await fixture.commit()
        let token = "tok-" + UUID().uuidString
        let server = try await SmartHTTPServer(projectRoot: fixture.root.path, token: token)
        let variable = uniqueTokenVariable()
        setenv(variable, token, 1)
        defer { unsetenv(variable) }
        let source = fixture.source(url: server.url("remote.git"), tokenVariable: variable)

        let revision = try await source.update()
        try fixture.write("steward.yaml", "kind: Settings\nx: 1\n")
        let second = try await fixture.commit()
        let updated = try await source.update()

        #expect(revision.commit == commit)
        #expect(updated.commit == second)
        #expect(try await source.entries(at: updated).map(\.path) == ["steward.yaml"])
        let config = try String(contentsOf: fixture.cache.appendingPathComponent("config"), encoding: .utf8)
        #expect(config.contains(server.url("remote.git")))
        #expect(!config.contains(token))
        #expect(try filesContaining(token, under: fixture.cache).isEmpty)
    }

    @Test func rejectedTokenFailsWithoutRepeatingIt() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        let server = try await SmartHTTPServer(projectRoot: fixture.root.path, token: "the-right-token")
        let variable = uniqueTokenVariable()
        setenv(variable, "wrong-token-value", 1)
        defer { unsetenv(variable) }

        let error = try await #require(throws: GitError.self) {
            try await fixture.source(url: server.url("remote.git"), tokenVariable: variable).update()
        }

        #expect(error.code == .authentication)
        #expect(error.description.contains("rejected the token from $\(variable)"))
        #expect(!error.description.contains("wrong-token-value"))
    }

    @Test func missingTokenSaysWhereToPutOne() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        let server = try await SmartHTTPServer(projectRoot: fixture.root.path, token: "the-right-token")
        let variable = uniqueTokenVariable()

        let error = try await #require(throws: GitError.self) {
            try await fixture.source(url: server.url("remote.git"), tokenVariable: variable).update()
        }

        #expect(error.code == .authentication)
        #expect(error.description.contains("put a token"))
        #expect(error.description.contains("$\(variable)"))
    }

    @Test func localCloneWithATokenSetStoresNoToken() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        let token = "tok-" + UUID().uuidString
        let variable = uniqueTokenVariable()
        setenv(variable, token, 1)
        defer { unsetenv(variable) }

        _ = try await fixture.source(url: fixture.fileURL, tokenVariable: variable).update()

        #expect(try filesContaining(token, under: fixture.cache).isEmpty)
    }
}

/// Paths of the regular files under `directory` whose bytes contain `needle`.
func filesContaining(_ needle: String, under directory: URL) throws -> [String] {
    let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
    var matches: [String] = []
    while let url = enumerator?.nextObject() as? URL {
        guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
        if try Data(contentsOf: url).range(of: Data(needle.utf8)) != nil { matches.append(url.path) }
    }
    return matches
}
