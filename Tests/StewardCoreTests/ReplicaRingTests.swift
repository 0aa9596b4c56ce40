import Foundation
import StewardModel
import Testing
@testable import StewardCore

/// Rendezvous hashing of keys over replicas: the same owner everywhere, about 1/N of the keys each, and only the keys
/// of a replica that leaves (or of the ones a new replica outranks) move.
struct ReplicaRingTests {
    static let keys = (0..<10_000).map { "project/app-\($0)" }

    @Test func everyReplicaOwnsAboutItsShare() throws {
        let ring = ReplicaRing(members: ["host-a:1:aa:run", "host-b:2:bb:run", "host-c:3:cc:run"])
        var counts: [String: Int] = [:]
        for key in Self.keys { counts[try #require(ring.owner(of: key)), default: 0] += 1 }
        #expect(counts.count == 3)
        for (member, count) in counts { #expect((3_000...3_667).contains(count), "\(member) owns \(count) of 10,000") }
    }

    @Test func onlyTheKeysOfAReplicaThatLeavesMove() throws {
        let three = ReplicaRing(members: ["r1", "r2", "r3"])
        let two = ReplicaRing(members: ["r1", "r3"])
        var moved = 0
        for key in Self.keys {
            let before = try #require(three.owner(of: key))
            let after = try #require(two.owner(of: key))
            if before != "r2" { #expect(after == before, "\(key) moved from \(before) though it stayed") } else { moved += 1 }
        }
        #expect(moved > 3_000 && moved < 3_700)
        // A replica that joins takes about its share, each from whoever had it.
        let four = ReplicaRing(members: ["r1", "r2", "r3", "r4"])
        let joined = Self.keys.filter { four.owner(of: $0) != three.owner(of: $0) }
        #expect(joined.allSatisfy { four.owner(of: $0) == "r4" })
        #expect(joined.count > 2_200 && joined.count < 2_800)
    }

    @Test func theOwnerDoesNotDependOnOrderOrDuplicatesAndNoMembersOwnNothing() {
        let one = ReplicaRing(members: ["b", "a", "c", "a"])
        let other = ReplicaRing(members: ["c", "b", "a"])
        #expect(one == other)
        #expect(Self.keys.prefix(100).allSatisfy { one.owner(of: $0) == other.owner(of: $0) })
        #expect(ReplicaRing(members: []).owner(of: "project/x") == nil)
        // Stable across processes: a fixed value, not Swift's seeded hash.
        #expect(ReplicaRing.weight("r1", "project/x") == ReplicaRing.weight("r1", "project/x"))
        #expect(ReplicaRing.weight("r1", "project/x") != ReplicaRing.weight("r1", "project/y"))
    }
}
