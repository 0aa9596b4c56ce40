import StewardGraph
import StewardModel

/// Zavhoz (resources): takes the placement the planner computed (a ready server with enough free memory and
/// ports, `Placement` in StewardCore) and allocates the project's ports there, in the store's allocation table
/// (unique per server, enforced by the database). The deploy uses exactly those ports; prune frees them.
struct Zavhoz: Sendable {
    let recorder: ProjectRecorder

    /// The `zavhoz` node: `done` with a server (and its ports), `working` while none fits, `idle` for a stage that
    /// does not deploy. Allocating is idempotent (ports held there are kept), so a re-run node allocates nothing new.
    func place(_ state: ProjectThreadState) async throws -> Update<ProjectThreadState> {
        guard state.stage == .active else {
            return Update<ProjectThreadState>().setting(\.zavhozStatus, .idle).appending(\.log, "zavhoz: stage \(state.stage.rawValue) needs no server")
        }
        guard let server = state.plannedServer else {
            return Update<ProjectThreadState>().setting(\.zavhozStatus, .working).appending(\.log, "zavhoz: no ready server has room yet")
        }
        var update = Update<ProjectThreadState>().setting(\.zavhozStatus, .done).setting(\.server, server)
        guard let range = state.plannedPortRange, range.count == 2 else {
            return update.appending(\.log, "zavhoz: placed on \(server)")
        }
        let count = state.plannedPortCount ?? 1
        guard let ports = try await recorder.allocatePorts(state.project, server: server, range: range[0]...range[1], count: count)
        else {
            return update.appending(\.log, "zavhoz: placed on \(server); its ports move there with its deploy")
        }
        update = update.setting(\.ports, ports)
        return update.appending(\.log, "zavhoz: placed on \(server), ports \(ports.map(String.init).joined(separator: ", "))")
    }
}
