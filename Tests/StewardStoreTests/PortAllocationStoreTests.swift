import Foundation
import Testing
@testable import StewardStore

struct PortAllocationStoreTests {
    @Test func sameProjectGetsItsPortAgainAndOthersTheNextFree() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8999) == 8000)
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 8000...8999) == 8000)
        #expect(try await store.allocatePort(project: "blog", server: "alpha", range: 8000...8999) == 8001)
        // Another server has its own ports.
        #expect(try await store.allocatePort(project: "blog", server: "beta", range: 8000...8999) == 8000)
        // An existing allocation is kept even when asked with another range.
        #expect(try await store.allocatePort(project: "shop", server: "alpha", range: 9000...9001) == 8000)
    }

    @Test func exhaustedRangeSaysWhichServerAndRange() async throws {
        let fixture = try StoreFixture()
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

    @Test func releaseFreesPortsForReuseLowestFirst() async throws {
        let fixture = try StoreFixture()
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

    @Test func theDatabaseRefusesTwoProjectsOnOnePort() async throws {
        let fixture = try StoreFixture()
        _ = try await fixture.store.allocatePort(project: "shop", server: "alpha", range: 8000...8000)
        let error = #expect(throws: StoreError.self) {
            try fixture.rawDatabase().run("INSERT INTO allocations (server, port, project) VALUES ('alpha', 8000, 'blog')")
        }
        #expect(error?.description.contains("UNIQUE constraint failed: allocations.server, allocations.port") == true)
    }

    @Test func rangeOutsideValidPortsIsRefused() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let error = await #expect(throws: StoreError.self) {
            try await store.allocatePort(project: "shop", server: "alpha", range: 0...10)
        }
        #expect(error?.kind == .invalidArgument)
        await #expect(throws: StoreError.self) { try await store.allocatePort(project: "shop", server: "alpha", range: 65_535...65_536) }
    }

    @Test func twoProcessesAllocatingAtOnceNeverShareAPort() async throws {
        let fixture = try StoreFixture()
        let stores = [fixture.store, try fixture.reopen()]
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
}
