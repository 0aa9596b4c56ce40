import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Maintenance and parallel engineering as the reconciler runs them, behind the `ProjectEngineering` port.
struct ReconcilerMaintenanceTests {
    /// Plays the graph's part of maintenance: asks once if told to, then implements (moves the project to
    /// verified and records the change requests, as the Architect's review does) and hands it over.
    actor MaintenanceEngineering: ProjectEngineering {
        let store: InMemoryStateStore
        var question: String?
        private(set) var requests: [EngineeringRequest] = []
        init(store: InMemoryStateStore, question: String? = nil) {
            self.store = store
            self.question = question
        }
        func advance(_ request: EngineeringRequest) async throws -> EngineeringOutcome {
            requests.append(request)
            if let question, request.answer == nil { return .waiting(question: question) }
            guard var record = try await store.project(named: request.project.name) else { return .completed("gone") }
            // As the agents do: each of their phases in turn, never walked through by `path`.
            for next in [ProjectPhase.implementing, .implemented, .verifying, .verified] { record.phase = try record.phase.transition(to: next) }
            record.implementedChanges = request.project.spec.changes.map(\.id)
            try await store.save(project: record, events: [])
            return .completed("ready to deploy")
        }
    }

    private func withChange(_ harness: ReconcilerHarness) throws {
        try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project(
            "hello", extra: "  changes:\n    - {id: stats, description: \"add endpoint /stats returning ok\"}"))
    }

    @Test func aChangeRequestOnAnActiveProjectGoesThroughMaintenanceAndIsDeployedOnce() async throws {
        let harness = try ReconcilerHarness()
        _ = try await harness.reconcile()
        let engineering = MaintenanceEngineering(store: harness.store, question: "which colour?")
        harness.engineering = engineering
        #expect(try await harness.reconcile().actions.isEmpty)
        #expect(await engineering.requests.isEmpty)

        try withChange(harness)
        let asked = try await harness.reconcile()
        #expect(asked.outcome == .progressing)
        #expect(asked.actions.map(\.name) == ["update", "engineer"])
        var record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .maintenance)
        #expect(record.conditions[Condition.ready]?.reason == "WaitingForAnswer")
        let request = try #require(await engineering.requests.first)
        #expect(request.maintenance && request.implemented.isEmpty && request.generation == 2)
        // The deployed version keeps serving: no playbook ran for the question.
        #expect(await harness.runner.requests.count == 1)
        // Asked again without an answer: the thread is asked, nothing else happens, no second phase event.
        _ = try await harness.reconcile()
        let maintenanceEvents = await harness.store.events(objectKind: "Project", objectName: "hello", limit: 100)
            .filter { $0.message.hasPrefix("active -> maintenance") }
        #expect(maintenanceEvents.count == 1)
        #expect(await engineering.requests.count == 2)

        // The answer: the graph verifies, then the next pass deploys the new commit.
        _ = try await harness.reconcile(ReconcileOptions(project: "hello", answer: "blue"))
        record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .verified && record.implementedChanges == ["stats"])
        harness.commits["acme/hello"] = "c2"
        let deployed = try await harness.reconcile()
        #expect(deployed.outcome == .converged)
        #expect(deployed.playbookRuns == 1)
        record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .active && record.lastDeployCommit == "c2")
        let phases = await harness.store.events(objectKind: "Project", objectName: "hello", limit: 100)
            .filter { $0.reason == "PhaseChanged" }.map { $0.message.components(separatedBy: ":")[0] }
        #expect(phases.suffix(3) == ["active -> maintenance", "verified -> deploying", "deploying -> active"])

        // No new change request: nothing at all.
        let idle = try await harness.reconcile()
        #expect(idle.actions.isEmpty && idle.playbookRuns == 0)
        #expect(await engineering.requests.count == 3)
    }

    /// Fails its first call, as a process killed inside the thread's first step leaves it.
    actor FailingOnceEngineering: ProjectEngineering {
        private(set) var requests: [EngineeringRequest] = []
        func advance(_ request: EngineeringRequest) async throws -> EngineeringOutcome {
            requests.append(request)
            if requests.count == 1 { throw ConfigSourceError("killed") }
            return .waiting(question: "which colour?")
        }
    }

    @Test func aMaintenanceInterruptedBeforeItsThreadRanIsResumedAsMaintenance() async throws {
        let harness = try ReconcilerHarness()
        _ = try await harness.reconcile()
        let engineering = FailingOnceEngineering()
        harness.engineering = engineering
        try withChange(harness)
        let failed = try await harness.reconcile()
        #expect(failed.outcome == .failed)
        #expect(try #require(await harness.store.project(named: "hello")).phase == .maintenance)
        // The next pass: the phase says maintenance (recorded before the thread ran), so the thread starts as one.
        _ = try await harness.reconcile()
        let requests = await engineering.requests
        #expect(requests.count == 2 && requests.allSatisfy { $0.maintenance && $0.generation == 2 })
        #expect(await harness.store.events(objectKind: "Project", objectName: "hello", limit: 100)
            .filter { $0.message.hasPrefix("active -> maintenance") }.count == 1)
    }

    /// Counts the threads running at once; each waits (bounded) until `expected` have started.
    actor OverlapEngineering: ProjectEngineering {
        let expected: Int
        let patience: Duration
        private(set) var started: [String] = []
        private(set) var running = 0
        private(set) var mostAtOnce = 0
        init(expected: Int, patience: Duration) {
            self.expected = expected
            self.patience = patience
        }
        func advance(_ request: EngineeringRequest) async throws -> EngineeringOutcome {
            started.append(request.project.name)
            running += 1
            mostAtOnce = max(mostAtOnce, running)
            try? await waitUntil("\(expected) engineering threads to start", limit: patience) { started.count >= expected }
            running -= 1
            return .completed("waiting for resources")
        }
    }

    private func harness(projects: [String], concurrency: Int) throws -> ReconcilerHarness {
        let harness = try ReconcilerHarness()
        try harness.config.write("steward.yaml", "apiVersion: steward/v1\nkind: Settings\nconcurrency: \(concurrency)\n")
        for name in projects {
            try harness.config.write("manifests/\(name).yaml", """
                apiVersion: steward/v1
                kind: Project
                metadata: {name: \(name)}
                spec: {repo: acme/\(name), brief: "a shop called \(name)"}
                """)
        }
        return harness
    }

    @Test func threadsOfDifferentProjectsRunAtOnceUpToTheConcurrency() async throws {
        // Each thread waits until all have started: run one after another, the first would wait its whole patience
        // and see only itself. A generous patience keeps a slow machine from failing the test.
        let parallel = try harness(projects: ["a", "b", "c"], concurrency: 4)
        let overlap = OverlapEngineering(expected: 3, patience: Patience.base)
        parallel.engineering = overlap
        _ = try await parallel.reconcile()
        #expect(await overlap.mostAtOnce == 3)

        let bounded = try harness(projects: ["a", "b", "c"], concurrency: 2)
        // Two threads wait for each other, so the limit of two is reached; a third at once would show as 3.
        let limited = OverlapEngineering(expected: 2, patience: Patience.base)
        bounded.engineering = limited
        _ = try await bounded.reconcile()
        #expect(await limited.mostAtOnce == 2)
        #expect(await limited.started.sorted() == ["a", "b", "c"])
    }
}
