import StewardGraph

/// DevOps: hands a verified project to the reconciler's deploy (the Ansible run, its recording and the
/// health gate live there, once); records that it is ready.
struct DevOps: Sendable {
    let recorder: ProjectRecorder

    /// The `devops` node.
    func hand(_ state: ProjectThreadState) async throws -> Update<ProjectThreadState> {
        let commit = state.commit.map { String($0.prefix(12)) } ?? "-"
        try await recorder.note(state.project, "ReadyToDeploy", "commit \(commit) verified; deploying to \(state.server ?? "-") next")
        return Update<ProjectThreadState>()
            .setting(\.outcome, "ready to deploy").appending(\.log, "devops: \(commit) ready to deploy on \(state.server ?? "-")")
    }
}
