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
        let fixture = try await StoreFixture(engine)
        let first = fixture.store
        let second = try await fixture.reopen()
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
        let fixture = try await StoreFixture(engine)
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

    /// Every acquire, takeover and release is in the audit, in order, with the holder it was taken from.
    @Test(arguments: SQLDialect.allCases) func theAuditRecordsEveryAcquireTakeoverAndRelease(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let start = Samples.time
        _ = try await store.acquireLease("project/a", holder: "r1", ttl: .seconds(15), now: start, isGone: Self.never)
        _ = try await store.acquireLease("project/a", holder: "r1", ttl: .seconds(15), now: start + 1, isGone: Self.never)
        _ = try await store.acquireLease("project/a", holder: "r2", ttl: .seconds(15), now: start + 2, isGone: Self.never)
        _ = try await store.acquireLease("project/a", holder: "r2", ttl: .seconds(15), now: start + 20, isGone: Self.never)
        try await store.releaseLeases(["project/a"], holder: "r1")
        try await store.releaseLeases(["project/a"], holder: "r2")
        let audit = try await store.leaseAudit()
        #expect(audit.map(\.action) == ["acquire", "takeover", "release"], "a refused acquire and a renewal by the holder are not rows")
        #expect(audit.map(\.holder) == ["r1", "r2", "r2"])
        #expect(audit[1].previous == "r1" && audit[1].at == start + 20 && audit[1].expiresAt == start + 35)
        // Pruned by age with the journal (the release is stamped by the store's clock: now).
        _ = try await store.pruneJournal(before: start + 21, keepingAtMost: 100)
        #expect(try await store.leaseAudit().map(\.action) == ["release"])
    }

    /// A blocking lease refuses the acquire in the same transaction, unless it expired, is the caller's or its holder
    /// is gone.
    @Test(arguments: SQLDialect.allCases) func aLiveLeaseUnderThePrefixBlocksTheAcquire(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let start = Samples.time
        _ = try await store.acquireLease("replica/r1", holder: "r1", ttl: .seconds(15), now: start, isGone: Self.never)
        let blocked = try await store.acquireLease(
            "controller", holder: "cli", ttl: .seconds(15), now: start + 1, isGone: Self.never, blockedBy: "replica/")
        #expect(blocked.key == "replica/r1" && blocked.holder == "r1")
        #expect(try await store.leases().map(\.key) == ["replica/r1"], "nothing was taken")
        let mine = try await store.acquireLease(
            "replica/r1", holder: "r1", ttl: .seconds(15), now: start + 2, isGone: Self.never, blockedBy: "replica/")
        #expect(mine.holder == "r1", "the caller's own lease under the prefix does not block it")
        let afterExpiry = try await store.acquireLease(
            "controller", holder: "cli", ttl: .seconds(15), now: start + 18, isGone: Self.never, blockedBy: "replica/")
        #expect(afterExpiry.key == "controller" && afterExpiry.holder == "cli")
        // `_` and `%` in the prefix are literal.
        _ = try await store.acquireLease("a_b", holder: "x", ttl: .seconds(15), now: start + 18, isGone: Self.never)
        let literal = try await store.acquireLease(
            "other", holder: "y", ttl: .seconds(15), now: start + 18, isGone: Self.never, blockedBy: "a%")
        #expect(literal.key == "other" && literal.holder == "y")
        let gone = try await store.acquireLease(
            "third", holder: "z", ttl: .seconds(15), now: start + 18, isGone: { $0 == "x" }, blockedBy: "a_")
        #expect(gone.key == "third", "a gone holder blocks nothing")
    }

    @Test(arguments: SQLDialect.allCases) func keyRequestsAreOnePerKeyUntilRemoved(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.requestKeys(["project/b", "project/a", "project/b"], by: "r1", at: Samples.time)
        try await fixture.reopen().requestKeys(["project/a", "server/s"], by: "r2", at: Samples.time + 1)
        #expect(try await store.keyRequests() == ["project/a", "project/b", "server/s"])
        try await store.removeKeyRequests(["project/a", "server/s", "project/none"])
        #expect(try await store.keyRequests() == ["project/b"])
    }
}
