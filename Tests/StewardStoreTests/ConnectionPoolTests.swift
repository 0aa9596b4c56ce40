import Foundation
import StewardCore
import StewardTestSupport
import Testing
@testable import StewardStore

/// The store's connections (`SQLConnectionPool`): on PostgreSQL up to `postgresConnections` callers work side by side,
/// each on a connection of its own; more wait for one; SQLite keeps its one connection.
struct ConnectionPoolTests {
    /// Callers that arrive, then wait (on their connection's queue, never the cooperative pool) until `count` have.
    final class Barrier: @unchecked Sendable {
        private let condition = NSCondition()
        private var arrived = 0
        let count: Int

        init(_ count: Int) { self.count = count }

        /// Whether all `count` arrived within 30 s.
        func arriveAndWait() -> Bool {
            condition.lock()
            defer { condition.unlock() }
            arrived += 1
            condition.broadcast()
            let deadline = Date() + 30
            while arrived < count {
                guard condition.wait(until: deadline) else { return arrived >= count }
            }
            return true
        }
    }

    @Test func onPostgresFourCallersHoldFourConnectionsAtOnceAndMoreWaitForOne() async throws {
        let fixture = try await StoreFixture(.postgres)
        let store = fixture.store
        let limit = SQLStateStore.postgresConnections
        #expect(store.openConnections == 1, "one connection until more are needed")
        // Each caller holds its connection until all of them hold one: with fewer connections this would time out.
        let barrier = Barrier(limit)
        let pids = try await withThrowingTaskGroup(of: (Bool, Int64).self) { group in
            for _ in 0..<limit {
                group.addTask {
                    try await store.withDatabase { database in
                        let pid = try database.query("SELECT pg_backend_pid()") { try $0.int64(at: 0) }.first ?? 0
                        return (barrier.arriveAndWait(), pid)
                    }
                }
            }
            return try await group.reduce(into: [(Bool, Int64)]()) { $0.append($1) }
        }
        #expect(pids.allSatisfy { $0.0 }, "every caller held a connection while the others did")
        #expect(Set(pids.map(\.1)).count == limit, "\(limit) server sessions")
        #expect(store.openConnections == limit)

        // Twice as many callers: the connections are lent in turn, and no more are opened.
        let more = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<(limit * 2) {
                group.addTask {
                    try await store.withDatabase { database in
                        try database.query("SELECT pg_backend_pid()") { try $0.int64(at: 0) }.first ?? 0
                    }
                }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(more.isSubset(of: Set(pids.map(\.1))))
        #expect(store.openConnections == limit)
    }

    /// A connection the server refuses (a role's connection limit) is not an error: the caller waits for a busy one.
    @Test func aConnectionTheServerRefusesLeavesTheCallerToWaitForABusyOne() async throws {
        let fixture = try await StoreFixture(.postgres)
        guard case .postgres(let url) = fixture.location, var components = URLComponents(string: url) else { return }
        // Superusers have no connection limit: a role of its own, allowed one session, reading the fixture's tables.
        let role = "steward_limited_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = try await BlockingWork.run("test.postgres") { try PostgresConnection(url: url) }
        try await BlockingWork.run("test.postgres") {
            try admin.execute("CREATE ROLE \(role) LOGIN PASSWORD 'limited' CONNECTION LIMIT 1")
            try admin.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role)")
        }
        components.user = role
        components.password = "limited"
        let limitedURL = try #require(components.string)
        let limited = try await BlockingWork.run("test.store") { try SQLStateStore(.postgres(url: limitedURL), readOnly: true) }
        let sessions = try await withThrowingTaskGroup(of: Int64.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await limited.withDatabase { database in
                        try database.query("SELECT pg_backend_pid() FROM pg_sleep(0.05)") { try $0.int64(at: 0) }.first ?? 0
                    }
                }
            }
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(sessions.count == 1, "all six answered on the one session the server allows")
        #expect(limited.openConnections == 1)
        try? await BlockingWork.run("test.postgres") {
            try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '\(role)'")
            try admin.execute("DROP OWNED BY \(role)")
            try admin.execute("DROP ROLE \(role)")
        }
    }

    @Test func sqliteKeepsOneConnection() async throws {
        let fixture = try await StoreFixture(.sqlite)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { _ = try await fixture.store.projects() }
            }
            try await group.waitForAll()
        }
        #expect(fixture.store.openConnections == 1)
    }
}
