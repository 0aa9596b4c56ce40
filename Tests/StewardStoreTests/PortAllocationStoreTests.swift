import Foundation
import Testing
import StewardCore
@testable import StewardStore

struct PortAllocationStoreTests {
    @Test(arguments: SQLDialect.allCases) func sameProjectGetsItsPortAgainAndOthersTheNextFree(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8999) == 8000)
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8999) == 8000)
        #expect(try await store.allocatePort(project: "blog", server: "alpha", range: 8000...8999) == 8001)
        // Another server has its own ports.
        #expect(try await store.allocatePort(project: "blog", server: "beta", range: 8000...8999) == 8000)
        // An existing allocation is kept even when asked with another range.
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 9000...9001) == 8000)
    }

    @Test(arguments: SQLDialect.allCases) func exhaustedRangeSaysWhichServerAndRange(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        _ = try await store.allocatePort(project: "a", server: "alpha", range: 8000...8001)
        _ = try await store.allocatePort(project: "b", server: "alpha", range: 8000...8001)
        let error = await #expect(throws: StoreError.self) {
            try await store.allocatePort(project: "c", server: "alpha", range: 8000...8001)
        }
        #expect(error?.kind == .portRangeExhausted)
        #expect(error?.description == """
            no free port on server "alpha" in range 8000-8001: all 2 ports are allocated; widen the server's \
            capacity.ports, or remove projects from it
            """)
    }

    @Test(arguments: SQLDialect.allCases) func releaseFreesPortsForReuseLowestFirst(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        for project in ["a", "b", "c"] {
            _ = try await store.allocatePort(project: project, server: "alpha", range: 8000...8002)
        }
        _ = try await store.allocatePort(project: "b", server: "beta", range: 8000...8002)
        try await store.releasePorts(project: "b")
        #expect(try await store.allocatePort(project: "d", server: "alpha", range: 8000...8002) == 8001)
        #expect(try await store.allocatePort(project: "e", server: "beta", range: 8000...8002) == 8000)
        try await store.releasePorts(project: "nobody")
    }

    @Test(arguments: SQLDialect.allCases) func theDatabaseRefusesTwoProjectsOnOnePort(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        _ = try await fixture.store.allocatePort(project: "shop", server: "alpha", range: 8000...8000)
        let error = #expect(throws: StoreError.self) {
            try fixture.rawDatabase().run("INSERT INTO allocations (server, port, project) VALUES ('alpha', 8000, 'blog')")
        }
        switch engine {
        case .sqlite: #expect(error?.description.contains("UNIQUE constraint failed: allocations.server, allocations.port") == true)
        case .postgres: #expect(error?.sqlState == "23505" && error?.description.contains("allocations_pkey") == true)
        }
    }

    @Test(arguments: SQLDialect.allCases) func rangeOutsideValidPortsIsRefused(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let error = await #expect(throws: StoreError.self) {
            try await store.allocatePort(project: "shop", server: "alpha", range: 0...10)
        }
        #expect(error?.kind == .invalidArgument)
        await #expect(throws: StoreError.self) { try await store.allocatePort(project: "shop", server: "alpha", range: 65_535...65_536) }
    }

    @Test(arguments: SQLDialect.allCases) func twoProcessesAllocatingAtOnceNeverShareAPort(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let stores = [fixture.store, try await fixture.reopen()]
        let ports = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                let store = stores[index % 2]
                group.addTask { try await store.allocatePort(project: "p\(index)", server: "alpha", range: 8000...8039) }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(ports.sorted() == Array(8000...8039))
        await #expect(throws: StoreError.self) {
            try await stores[1].allocatePort(project: "late", server: "alpha", range: 8000...8039)
        }
    }

    @Test(arguments: SQLDialect.allCases) func severalPortsKeepTheirOrderGrowAndShrink(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        _ = try await store.allocatePort(project: "blog", server: "alpha", range: 8000...8099)  // 8000
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8099) == 8001)
        // Recreate -> blue/green: the public port stays first, two slots join it (the lowest free ones).
        #expect(try await store.allocatePorts(project: "shop", server: "alpha", range: 8000...8099, count: 3, preferred: [8001])
            == [8001, 8002, 8003])
        // Asked again with the public port preferred: the same ports, in the same order.
        #expect(try await store.allocatePorts(project: "shop", server: "alpha", range: 8000...8099, count: 3, preferred: [8001])
            == [8001, 8002, 8003])
        #expect(try await store.portAllocations()["shop"] == PortAllocation(server: "alpha", ports: [8001, 8002, 8003]))
        // Back to one port: the slots are freed, the public port is kept.
        #expect(try await store.allocatePorts(project: "shop", server: "alpha", range: 8000...8099, count: 1, preferred: [8001])
            == [8001])
        #expect(try await store.allocatePort(project: "wiki", server: "alpha", range: 8000...8099) == 8002)
        // A fresh state dir adopting what a server reports: free preferred ports are taken first.
        #expect(try await store.allocatePorts(project: "api", server: "alpha", range: 8000...8099, count: 3, preferred: [8050, 8002, 8051])
            == [8050, 8051, 8003])
        await #expect(throws: StoreError.self) {
            try await store.allocatePorts(project: "big", server: "alpha", range: 8000...8005, count: 3, preferred: [])
        }
        // Nothing was recorded for the project whose allocation failed.
        #expect(try await store.portAllocations()["big"] == nil)
        #expect(try await store.portAllocations()["api"] == PortAllocation(server: "alpha", ports: [8003, 8050, 8051]))
    }
}
