import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardStore

/// Leases: one holder at a time, taken over only when expired or when its holder is gone, renewed and released only
/// by their holder; two stores on one file (two processes) agree.
struct LeaseStoreTests {
    static let never: @Sendable (String) -> Bool = { _ in false }

    @Test(arguments: SQLDialect.allCases) func oneHolderAtATimeUntilTheLeaseExpires(_ engine: SQLDialect) async throws {
        let fixture = try StoreFixture(engine)
        let first = fixture.store
        let second = try fixture.reopen()
        let start = Samples.time
        let taken = try await first.acquireLease("controller", holder: "a", ttl: .seconds(15), now: start, isGone: Self.never)
        #expect(taken.holder == "a" && taken.expiresAt == start.addingTimeInterval(15))
        let refused = try await second.acquireLease("controller", holder: "b", ttl: .seconds(15), now: start.addingTimeInterval(5),
            isGone: Self.never)
        #expect(refused == taken, "the other process sees the holder's lease")
        #expect(try await first.renewLeases(["controller"], holder: "a", ttl: .seconds(15), now: start.addingTimeInterval(10))
            == ["controller"])
        let stillRefused = try await second.acquireLease("controller", holder: "b", ttl: .seconds(15),
            now: start.addingTimeInterval(20), isGone: Self.never)
        #expect(stillRefused.holder == "a", "renewed at 10 s: held until 25 s")
        let takenOver = try await second.acquireLease("controller", holder: "b", ttl: .seconds(15),
            now: start.addingTimeInterval(26), isGone: Self.never)
        #expect(takenOver.holder == "b" && takenOver.acquiredAt == start.addingTimeInterval(26))
        #expect(try await first.renewLeases(["controller"], holder: "a", ttl: .seconds(15), now: start.addingTimeInterval(27))
            .isEmpty, "a holder that stalled past its lease learns it lost it")
    }

    @Test(arguments: SQLDialect.allCases) func aGoneHolderIsTakenOverAtOnceAndOnlyTheHolderReleases(_ engine: SQLDialect) async throws {
        let fixture = try StoreFixture(engine)
        let store = fixture.store
        let start = Samples.time
        _ = try await store.acquireLease("controller", holder: "dead", ttl: .seconds(15), now: start, isGone: Self.never)
        let again = try await store.acquireLease("controller", holder: "dead", ttl: .seconds(15), now: start.addingTimeInterval(3),
            isGone: Self.never)
        #expect(again.acquiredAt == start, "the holder taking its own lease again keeps its start")
        let taken = try await store.acquireLease("controller", holder: "new", ttl: .seconds(15), now: start.addingTimeInterval(4),
            isGone: { $0 == "dead" })
        #expect(taken.holder == "new")
        try await store.releaseLeases(["controller"], holder: "dead")
        #expect(try await store.leases().map(\.holder) == ["new"], "only the holder releases")
        try await store.releaseLeases(["controller"], holder: "new")
        #expect(try await store.leases().isEmpty)
    }
}
