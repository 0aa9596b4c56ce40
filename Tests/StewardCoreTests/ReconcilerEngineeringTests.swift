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
}
