import StewardModel

extension Reconciler {
    /// Runs the `engineer` actions of a pass, each project's agent-graph thread independent of the others, at most
    /// `concurrency` at once (the deploys' bound). A plan holds at most one per project, and the engine's lease
    /// keeps a thread from running twice at once even across processes.
    /// - Returns: the failures, one line each.
    func engineerConcurrently(_ actions: [Action], loaded: LoadedConfig, answers: [String: String]) async -> [String] {
        guard !actions.isEmpty else { return [] }
        let limit = max(1, loaded.desired.settings.concurrency)
        var failures: [String] = []
        await withTaskGroup(of: [String].self) { group in
            var next = 0
            func startNext() {
                guard next < actions.count else { return }
                let action = actions[next]
                next += 1
                group.addTask {
                    var own = ActionExecutor(reconciler: self, loaded: loaded)
                    own.answers = answers
                    await self.execute(action, with: &own)
                    return own.failures
                }
            }
            for _ in 0..<limit { startNext() }
            for await finished in group {
                failures += finished
                startNext()
            }
        }
        return failures
    }
}
