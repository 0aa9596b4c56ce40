import Foundation
import CMalloc
import StewardTestSupport
import Testing

@testable import StewardGit

/// Issue 12 item 4: a long-running controller opened its clones' `origin` every pass, and libgit2 1.5's
/// `git_remote_lookup` leaks PCRE2 match data for every config entry (~18 KB each, ~190 KB per pass).
struct GitRemoteMemoryTests {
    /// Bytes malloc has handed out and not taken back (the whole process).
    private static func heapInUse() -> Int { Int(mallinfo2().uordblks) }

    @Test func openingARemoteAgainAndAgainKeepsNoMemory() async throws {
        let fixture = try await GitFixture()
        try await fixture.commit()
        _ = try await fixture.source().update()
        let repository = try GitRepository.open(at: fixture.cache)
        for _ in 0..<20 {
            _ = try GitRemote.lookup("origin", in: repository, fetchRefspecs: GitConfigSource.fetchRefspecs)
        }
        let before = Self.heapInUse()
        for _ in 0..<1_000 {
            let remote = try #require(try GitRemote.lookup("origin", in: repository, fetchRefspecs: GitConfigSource.fetchRefspecs))
            #expect(remote.url == fixture.bare)
        }
        // The leak kept at least 7 config entries × 18 KB per lookup: 126 MB here. Other tests running at the same
        // time allocate far less than the bound, which no real leak of this kind can stay under.
        let grown = Self.heapInUse() - before
        #expect(grown < 48 << 20, "the heap grew by \(grown >> 20) MB over 1,000 remote lookups")
    }
}
