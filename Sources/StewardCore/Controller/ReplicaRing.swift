/// Which replica owns which key (docs/ARCHITECTURE.md §4): rendezvous hashing (highest random weight) over the live
/// replicas. Every replica computes the same owner from the same member list, a key moves only when its owner leaves
/// or a new replica outranks it, and with N replicas each owns about 1/N of the keys, as Argo CD shards applications
/// over its controller replicas.
public struct ReplicaRing: Sendable, Hashable {
    /// The live replicas' ids (their lease holders), sorted.
    public let members: [String]

    public init(members: some Sequence<String>) {
        self.members = Set(members).sorted()
    }

    /// The replica that owns `key`; nil without members.
    public func owner(of key: String) -> String? {
        var best: (weight: UInt64, member: String)?
        for member in members {
            let weight = Self.weight(member, key)
            if best == nil || weight > best!.weight || (weight == best!.weight && member < best!.member) {
                best = (weight, member)
            }
        }
        return best?.member
    }

    /// FNV-1a over `member`, a separator and `key`, finished with splitmix64's mixer so that close inputs land far
    /// apart (stable across processes and machines, unlike Swift's seeded `Hasher`).
    static func weight(_ member: String, _ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in member.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ 0xff) &* 0x0000_0100_0000_01b3
        for byte in key.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        hash = (hash ^ (hash >> 30)) &* 0xbf58_476d_1ce4_e5b9
        hash = (hash ^ (hash >> 27)) &* 0x94d0_49bb_1331_11eb
        return hash ^ (hash >> 31)
    }
}
