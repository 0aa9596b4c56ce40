import StewardModel

/// Automatic placement (Zavhoz's rule) for projects without `spec.server`: a ready server with enough free
/// memory and ports. Pure: built from the desired and observed state, updated as the planner places
/// projects in order, so two projects in one pass never count on the same free capacity.
struct Placement {
    private struct Usage {
        var memoryMB = 0
        var ports = 0
    }

    private let servers: [ServerManifest]
    private let ready: Set<String>
    private let desired: DesiredState
    private let observed: ObservedState
    /// Summed on the first placement that weighs capacity (a project already on a ready server never does).
    private var usage: [String: Usage]?

    init(desired: DesiredState, observed: ObservedState) {
        servers = desired.servers.sorted { $0.name < $1.name }
        ready = Set(servers.filter { server in
            server.spec.connection == .local || observed.servers[server.name]?.status == .ready
        }.map(\.name))
        self.desired = desired
        self.observed = observed
    }

    private func summedUsage() -> [String: Usage] {
        var usage: [String: Usage] = [:]
        let specs = Dictionary(desired.projects.map { ($0.name, $0.spec) }, uniquingKeysWith: { first, _ in first })
        for (name, record) in observed.projects {
            guard let server = record.server, let spec = specs[name] else { continue }
            usage[server, default: Usage()].memoryMB += spec.resources.memoryMB
        }
        for allocation in observed.ports.values {
            usage[allocation.server, default: Usage()].ports += allocation.ports.count
        }
        return usage
    }

    /// The ports a project of this spec holds: the public one, plus two slots for blue/green.
    static func ports(for spec: ProjectSpec) -> Int { spec.deploy.strategy == .blueGreen ? 3 : 1 }

    /// Where `project` runs: where it already runs if that server is still ready, else the ready server with the
    /// most free memory that fits it (ties by name); its need is then counted against that server.
    /// - Returns: the server's name, or why none fits.
    mutating func place(_ project: ProjectManifest, current: String?) -> Result<String, PlacementFailure> {
        let spec = project.spec
        if let current, ready.contains(current), servers.contains(where: { $0.name == current }) { return .success(current) }
        let memory = spec.resources.memoryMB
        let ports = Self.ports(for: spec)
        if usage == nil { usage = summedUsage() }
        var best: (name: String, freeMemory: Int)?
        var reasons: [String] = []
        for server in servers {
            guard ready.contains(server.name) else {
                reasons.append("\(server.name) not ready")
                continue
            }
            let used = usage?[server.name] ?? Usage()
            let freeMemory = server.spec.capacity.memoryMB - used.memoryMB
            let freePorts = server.spec.capacity.ports.count - used.ports
            guard freeMemory >= memory, freePorts >= ports else {
                reasons.append("\(server.name) has \(freeMemory) MB and \(freePorts) ports free")
                continue
            }
            if best == nil || freeMemory > best!.freeMemory { best = (server.name, freeMemory) }
        }
        guard let best else {
            let need = "\(memory) MB and \(ports) port\(ports == 1 ? "" : "s")"
            return .failure(PlacementFailure(message: servers.isEmpty
                ? "no Server manifest to place it on (it needs \(need))"
                : "no ready server has \(need) free: " + reasons.joined(separator: "; ")))
        }
        usage?[best.name, default: Usage()].memoryMB += memory
        usage?[best.name, default: Usage()].ports += ports
        return .success(best.name)
    }
}

/// Why automatic placement found no server.
struct PlacementFailure: Error {
    var message: String
}
