import Foundation
import StewardGraph
import StewardTestSupport
import Testing
@testable import StewardStore

/// Leases left by a killed process, dropped by a caller acting alone on the state dir.
struct SQLCheckpointerStaleLeaseTests {
    @Test(arguments: SQLDialect.allCases) func onlyThreadsWithThePrefixAreFreed(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let checkpointer = SQLCheckpointer(store: fixture.store)
        let now = Date()
        for thread in ["project/shop/g1", "project/shop/g1/engineering@1", "projectX", "po/ask-1"] {
            try await checkpointer.acquireLease(thread: thread, owner: "killed", now: now, expiresAt: now.addingTimeInterval(60))
        }
        await #expect(try checkpointer.releaseStaleLeases(threadPrefix: "project/") == 2)
        // The freed thread is taken at once; the others are still held.
        try await checkpointer.acquireLease(thread: "project/shop/g1", owner: "next", now: now, expiresAt: now.addingTimeInterval(60))
        await #expect(throws: GraphError.self) {
            try await checkpointer.acquireLease(thread: "po/ask-1", owner: "next", now: now, expiresAt: now.addingTimeInterval(60))
        }
        #expect(try fixture.rawDatabase().query("SELECT thread FROM graph_leases ORDER BY thread") { try $0.string(at: 0) }
            == ["po/ask-1", "project/shop/g1", "projectX"])
    }
}
