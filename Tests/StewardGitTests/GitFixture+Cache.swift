import Foundation
import StewardGit
import StewardTestSupport

extension GitFixture {
    /// Where the tests keep Steward's bare clone of this fixture.
    var cache: URL { root.url.appendingPathComponent("cache", isDirectory: true) }

    /// A config source on `cache` for `url` (the bare remote's path unless given).
    func source(url: String? = nil, ref: String = "main", tokenVariable: String = "STEWARD_GIT_TOKEN") -> GitConfigSource {
        GitConfigSource(url: url ?? bare, ref: ref, cacheDirectory: cache, tokenEnvironmentVariable: tokenVariable)
    }

    /// Runs git in the work tree.
    @discardableResult
    func git(_ arguments: String...) async throws -> String {
        try await run(["git"] + arguments, in: workTree).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Pack files in the cache's object database.
    func cachePacks() throws -> Set<String> {
        let directory = cache.appendingPathComponent("objects/pack").path
        return Set(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".pack") })
    }
}

/// An environment variable name no other test uses, so tests can set it concurrently.
func uniqueTokenVariable() -> String {
    "STEWARD_TEST_TOKEN_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
}
