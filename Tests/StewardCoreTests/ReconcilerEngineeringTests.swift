import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Engineering as the reconciler sees it: the graph behind the `ProjectEngineering` port.
struct ReconcilerEngineeringTests {
    /// Answers with a fixed outcome and records the requests.
    actor ScriptedEngineering: ProjectEngineering {
        var outcome: EngineeringOutcome
        private(set) var requests: [EngineeringRequest] = []
        init(_ outcome: EngineeringOutcome) { self.outcome = outcome }
        func advance(_ request: EngineeringRequest) -> EngineeringOutcome {
            requests.append(request)
            return outcome
        }
    }

    private func harnessWithBrief() throws -> ReconcilerHarness {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec: {repo: acme/shop, brief: "a shop"}
            """)
        return harness
    }

    @Test func withoutTheAgentsAProjectThatNeedsThemStalls() async throws {
        let harness = try harnessWithBrief()
        let report = try await harness.reconcile()
        #expect(report.outcome == .progressing)
        let record = try #require(await harness.store.project(named: "shop"))
        #expect(record.conditions[Condition.stalled]?.reason == "EngineeringUnavailable")
    }

    @Test func aQuestionLeavesTheProjectWaitingAndTheAnswerReachesTheGraph() async throws {
        let harness = try harnessWithBrief()
        let engineering = ScriptedEngineering(.waiting(question: "which colour?"))
        harness.engineering = engineering
        let report = try await harness.reconcile()
        #expect(report.outcome == .progressing)
        #expect(report.pending.contains { $0.contains("which colour?") && $0.contains("steward answer shop") })
        let record = try #require(await harness.store.project(named: "shop"))
        #expect(record.conditions[Condition.ready]?.reason == "WaitingForAnswer")
        let request = try #require(await engineering.requests.first)
        #expect(request.server == "local" && request.generation == record.generation && request.answer == nil)
        // The same question again records no second event.
        _ = try await harness.reconcile()
        #expect(await harness.store.events(objectKind: "Project", objectName: "shop", limit: 100)
            .filter { $0.reason == "WaitingForAnswer" }.count == 1)
        _ = try await harness.reconcile(ReconcileOptions(project: "shop", answer: "blue"))
        #expect(await engineering.requests.last?.answer == "blue")
    }

    /// The scenario of a person's working app: a brief and stage active on a repo with a Procfile that Steward
    /// did not create. It is deployed as it is; the agents are never asked (they would write into it).
    @Test func anAdoptedRepoThatHoldsAnAppIsDeployedAsItIsWithoutTheAgents() async throws {
        let harness = try harnessWithBrief()
        harness.commits["acme/shop"] = "s1"
        let bundler = FakeBundler()
        bundler.setFile("Procfile", "release: ./migrate\nweb: python3 app.py\n", commit: "s1")
        harness.bundler = bundler
        let engineering = ScriptedEngineering(.waiting(question: "should not be asked"))
        harness.engineering = engineering
        let report = try await harness.reconcile()
        #expect(report.outcome == .converged, "\(report.failures) \(report.pending)")
        #expect(await engineering.requests.isEmpty)
        let record = try #require(await harness.store.project(named: "shop"))
        #expect(record.phase == .active && record.repoOrigin == .adopted && record.lastDeployCommit == "s1")
    }

    @Test func aRepoWithoutAnAppOrOneStewardCreatedGoesToTheAgents() async throws {
        for (procfile, origin) in [("release: ./migrate\n", nil), ("web: python3 app.py\n", RepoOrigin.created)] as [(String, RepoOrigin?)] {
            let harness = try harnessWithBrief()
            harness.commits["acme/shop"] = "s1"
            let bundler = FakeBundler()
            bundler.setFile("Procfile", procfile, commit: "s1")
            harness.bundler = bundler
            if let origin {
                try await harness.store.save(
                    project: ProjectRecord(name: "shop", repo: "acme/shop", phase: .designing, updatedAt: Date(), repoOrigin: origin),
                    events: [])
            }
            let engineering = ScriptedEngineering(.waiting(question: "which colour?"))
            harness.engineering = engineering
            _ = try await harness.reconcile()
            #expect(await engineering.requests.count == 1, "\(procfile) \(String(describing: origin))")
            #expect(try await harness.store.project(named: "shop")?.lastDeployCommit == nil)
        }
    }

    @Test func aStartCommandInTheManifestMakesTheRepoRunnable() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/shop.yaml", """
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec: {repo: acme/shop, brief: "a shop", deploy: {command: "python3 app.py"}}
            """)
        harness.commits["acme/shop"] = "s1"
        let engineering = ScriptedEngineering(.waiting(question: "should not be asked"))
        harness.engineering = engineering
        let report = try await harness.reconcile()
        #expect(report.outcome == .converged, "\(report.failures) \(report.pending)")
        #expect(await engineering.requests.isEmpty)
    }

    @Test func procfileWebLinesAreReadAsTheSupervisorReadsThem() {
        #expect(RunnableApp.procfileWebCommand("web: python3 app.py\n") == "python3 app.py")
        #expect(RunnableApp.procfileWebCommand("worker: x\r\n web :  gunicorn app  \n") == "gunicorn app")
        #expect(RunnableApp.procfileWebCommand("web:\nwebby: x\n# web: y\n") == nil)
    }

    /// A proposal waits until the branch it goes into moves (the merge); then the reconciler answers for the
    /// person. Until then the project is pending, whatever its phase.
    @Test func aProposalIsAnsweredWhenItsBranchMovesAndNotBefore() async throws {
        let harness = try harnessWithBrief()
        harness.commits["acme/shop"] = "s1"
        let engineering = ScriptedEngineering(.waiting(question: "merge branch steward/1-shop"))
        harness.engineering = engineering
        try await harness.store.save(project: ProjectRecord(
            name: "shop", repo: "acme/shop", phase: .verified, generation: 1, updatedAt: Date(), repoOrigin: .adopted,
            proposal: ChangeProposal(branch: "steward/1-shop", base: "main", baseCommit: "s1", head: "p1")), events: [])
        let waiting = try await harness.reconcile()
        #expect(waiting.outcome == .progressing)
        #expect(waiting.pending.contains { $0.hasPrefix("Project/shop: verified") && $0.contains("steward/1-shop") }, "\(waiting.pending)")
        #expect(await engineering.requests.last?.answer == nil)

        harness.commits["acme/shop"] = "s2"
        _ = try await harness.reconcile()
        #expect(await engineering.requests.last?.answer == "merged: main moved to s2")
    }
}
