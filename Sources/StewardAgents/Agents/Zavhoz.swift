import StewardGraph
import StewardModel

/// Zavhoz (resources): records the placement the planner computed (a ready server with enough free memory
/// and ports, `Placement` in StewardCore); the reconciler allocates the ports when it deploys.
struct Zavhoz: Sendable {
    /// The `zavhoz` node: `done` with a server, `working` while none fits, `idle` for a stage that does not deploy.
    func place(_ state: ProjectThreadState) -> Update<ProjectThreadState> {
        guard state.stage == .active else {
            return Update<ProjectThreadState>().setting(\.zavhozStatus, .idle).appending(\.log, "zavhoz: stage \(state.stage.rawValue) needs no server")
        }
        guard let server = state.plannedServer else {
            return Update<ProjectThreadState>().setting(\.zavhozStatus, .working).appending(\.log, "zavhoz: no ready server has room yet")
        }
        return Update<ProjectThreadState>()
            .setting(\.zavhozStatus, .done).setting(\.server, server).appending(\.log, "zavhoz: placed on \(server)")
    }
}
