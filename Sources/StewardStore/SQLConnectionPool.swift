import Foundation
import StewardCore

/// The store's connections (docs/ARCHITECTURE.md §7): up to `limit`, each used by one caller at a time on a serial
/// queue of its own, so a statement waiting for the database blocks that queue's thread, never the cooperative pool.
/// SQLite keeps one (its writes take one lock anyway, and `data_version` is per connection); on PostgreSQL several
/// let the controller's workers wait for the network side by side instead of in turn: the replica benchmark measured
/// one connection's first settle of 10,000 projects at the sum of Steward's and PostgreSQL's CPU (59 s), not the
/// larger of the two. Connections beyond the first are opened when every open one is busy; one that cannot be opened
/// (the server's `max_connections`) leaves the caller to wait for a busy one.
final class SQLConnectionPool: @unchecked Sendable {
    /// `@unchecked Sendable`: a connection is lent to one caller at a time, and used on its queue only.
    struct Member: @unchecked Sendable {
        let connection: any SQLConnection
        let queue: DispatchQueue
    }

    /// The connection the store was opened with (migrated, checked): its engine and location.
    let first: any SQLConnection
    let limit: Int
    private let open: @Sendable () throws -> any SQLConnection
    private let lock = NSLock()
    private var idle: [Member]
    private var opened = 1
    private var waiters: [CheckedContinuation<Member, Never>] = []

    init(first: any SQLConnection, limit: Int, open: @escaping @Sendable () throws -> any SQLConnection) {
        self.first = first
        self.limit = max(1, limit)
        self.open = open
        idle = [Member(connection: first, queue: DispatchQueue(label: "steward.store.0"))]
    }

    /// How many connections are open.
    var count: Int { lock.withLock { opened } }

    /// Runs `body` with exclusive use of one connection, on its queue.
    func with<Result>(_ body: (any SQLConnection) throws -> Result) async throws -> Result {
        let member = try await acquire()
        defer { release(member) }
        return try await BlockingWork.run(on: member.queue) { try body(member.connection) }
    }

    private enum Next {
        case take(Member)
        case open(Int)
        case wait
    }

    private func acquire() async throws -> Member {
        let next: Next = lock.withLock {
            if let member = idle.popLast() { return .take(member) }
            guard opened < limit else { return .wait }
            opened += 1
            return .open(opened - 1)
        }
        switch next {
        case .take(let member):
            return member
        case .open(let number):
            let queue = DispatchQueue(label: "steward.store.\(number)")
            do {
                let connection = try await BlockingWork.run(on: queue) { try self.open() }
                return Member(connection: connection, queue: queue)
            } catch {
                lock.withLock { opened -= 1 }
                return await waitForRelease()
            }
        case .wait:
            return await waitForRelease()
        }
    }

    /// Waits for a busy connection (one is always busy while `opened >= 1` and none is idle).
    private func waitForRelease() async -> Member {
        await withCheckedContinuation { (continuation: CheckedContinuation<Member, Never>) in
            let member: Member? = lock.withLock {
                if let member = idle.popLast() { return member }
                waiters.append(continuation)
                return nil
            }
            if let member { continuation.resume(returning: member) }
        }
    }

    private func release(_ member: Member) {
        let waiter: CheckedContinuation<Member, Never>? = lock.withLock {
            guard !waiters.isEmpty else {
                idle.append(member)
                return nil
            }
            return waiters.removeFirst()
        }
        waiter?.resume(returning: member)
    }
}
