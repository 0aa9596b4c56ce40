import StewardCore
import StewardModel

extension ProjectRecorder {
    /// Zavhoz's allocation: `count` ports for the project on `server`, recorded in the allocation table (unique
    /// per server, enforced by the database) with an event when they are new. Idempotent: ports it already holds
    /// there are kept (the public one first). The record's server and port are left to the deploy, which runs
    /// concurrently with nothing else writing them.
    /// - Returns: the ports; nil when the project holds ports on another server (it is deployed there, or was
    ///   placed there before): its deploy moves them.
    public func allocatePorts(_ project: String, server: String, range: ClosedRange<Int>, count: Int) async throws -> [Int]? {
        let record = try await store.project(named: project)
        if let current = record?.server, current != server { return nil }
        let held = try await store.portAllocations()[project]
        if let held, held.server != server { return nil }
        let preferred = record?.port.map { [$0] } ?? []
        let ports = try await store.allocatePorts(project: project, server: server, range: range, count: count, preferred: preferred)
        if held?.ports.sorted() != ports.sorted() {
            try await store.append(events: [event(
                project, "PortsAllocated", "zavhoz: ports \(ports.map(String.init).joined(separator: ", ")) on \(server)")])
        }
        return ports
    }
}
