import Foundation
import StewardTestSupport
import Testing
@testable import StewardStore

struct ManifestCacheStoreTests {
    /// A git-like blob id (40 hex digits).
    private static func blobID(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return String(repeating: "0", count: 40 - hex.count) + hex
    }

    /// A payload the size of a parsed project manifest, different for every entry.
    private static func payload(_ index: Int) -> Data {
        Data(#"{"kind":"Project","name":"p\#(index)","spec":{"repo":"acme/p\#(index)","ref":"main"}}"#.utf8)
            + Data(repeating: UInt8(index % 251), count: 600)
    }

    @Test(arguments: SQLDialect.allCases) func tenThousandEntriesRoundTripAndSubsetsIgnoreUnknownIDs(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let count = 10_100
        let entries = Dictionary(uniqueKeysWithValues: (0..<count).map { (Self.blobID($0), Self.payload($0)) })
        try await fixture.store.cacheManifests(entries)

        let all = try await fixture.store.cachedManifests(blobIDs: Array(entries.keys))
        #expect(all == entries)

        let known = stride(from: 0, to: count, by: 7).map(Self.blobID)
        let unknown = (count..<(count + 300)).map(Self.blobID)
        let subset = try await fixture.store.cachedManifests(blobIDs: known + unknown + known.prefix(10))
        #expect(subset.count == known.count)
        #expect(subset == entries.filter { Set(known).contains($0.key) })
        #expect(try await fixture.store.cachedManifests(blobIDs: []).isEmpty)
        #expect(try await fixture.store.cachedManifests(blobIDs: unknown).isEmpty)
    }

    @Test(arguments: SQLDialect.allCases) func cachingReplacesPayloadAndStampsLastUsed(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = try await fixture.reopen(now: { Samples.time })
        try await store.cacheManifests(["a": Data("one".utf8), "b": Data()])
        try await store.cacheManifests(["a": Data("two".utf8)])
        #expect(try await store.cachedManifests(blobIDs: ["a", "b", "c"]) == ["a": Data("two".utf8), "b": Data()])
        let database = try fixture.rawDatabase()
        #expect(try database.query("SELECT DISTINCT last_used FROM manifest_cache") { try $0.date(at: 0) } == [Samples.time])
        try await store.cacheManifests([:])
    }
}
