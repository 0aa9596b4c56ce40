import Foundation
import StewardCore
import StewardModel
import Testing
@testable import StewardStore

/// Events, Ansible runs and reconcile passes.
struct JournalStoreTests {
    // MARK: Events

    @Test(arguments: SQLDialect.allCases) func eventsFilterLimitAndOrder(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        // Appended out of time order on purpose: reads are chronological.
        try await store.append(events: [
            Samples.event("shop", at: 3), Samples.event("shop", at: 1), Samples.event("blog", at: 2),
            Samples.event("shop", kind: "Server", at: 4), Samples.event("shop", at: 5, type: .warning),
        ])
        try await store.append(events: [])

        let shop = try await store.events(objectKind: "Project", objectName: "shop", limit: 10)
        #expect(shop.map(\.time) == [1, 3, 5].map { Samples.time + $0 })
        #expect(shop.last?.type == .warning)

        // The newest two, still oldest first.
        let newest = try await store.events(objectKind: "Project", objectName: "shop", limit: 2)
        #expect(newest.map(\.time) == [3, 5].map { Samples.time + $0 })

        let projects = try await store.events(objectKind: "Project", objectName: nil, limit: 10)
        #expect(projects.map(\.objectName) == ["shop", "blog", "shop", "shop"])
        let named = try await store.events(objectKind: nil, objectName: "shop", limit: 10)
        #expect(named.map(\.objectKind) == ["Project", "Project", "Server", "Project"])
        let all = try await store.events(objectKind: nil, objectName: nil, limit: 3)
        #expect(all.map(\.time) == [3, 4, 5].map { Samples.time + $0 })
        #expect(try await store.events(objectKind: nil, objectName: nil, limit: 0).isEmpty)
        #expect(try await store.events(objectKind: "Project", objectName: "nobody", limit: 5).isEmpty)
    }

    @Test(arguments: SQLDialect.allCases) func eventsWithEqualTimesKeepInsertionOrderAndRoundTrip(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let events = (0..<5).map { Samples.event("shop", reason: "Step\($0)") }
        try await fixture.store.append(events: events)
        let stored = try await fixture.store.events(objectKind: "Project", objectName: "shop", limit: 10)
        #expect(stored.withoutIDs == events)
        #expect(stored.compactMap(\.id) == stored.compactMap(\.id).sorted())
    }

    // MARK: Runs

    private func deployRun(project: String = "shop", startedAt: Date = Samples.time) -> RunRecord {
        RunRecord(
            kind: "deploy", project: project, server: "alpha", playbook: "deploy_project.yml", inputHash: "in-1",
            commit: "0123abcd", startedAt: startedAt
        )
    }

    @Test(arguments: SQLDialect.allCases) func runLifecycleWithTasks(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let id = try await store.beginRun(deployRun())
        let tasks = [
            TaskEvent(host: "alpha", task: "copy release", status: .changed, durationMs: 120),
            TaskEvent(host: "alpha", task: "restart", status: .ok, durationMs: 30),
            TaskEvent(host: "alpha", task: "health check", status: .failed, durationMs: 5_000, message: "HTTP 502"),
        ]
        for task in tasks { try await store.appendTask(runID: id, task) }

        var running = try #require(try await store.runs(project: "shop", limit: 5).first)
        #expect(running.status == .running && running.finishedAt == nil && running.exitCode == nil)
        #expect(running.tasks == tasks)

        running.status = .failed
        running.exitCode = 2
        running.failedTask = "health check"
        running.failedHost = "alpha"
        running.finishedAt = Samples.time + 9.5
        try await store.finishRun(running)
        #expect(try await fixture.reopen().runs(project: "shop", limit: 5) == [running])
    }

    @Test(arguments: SQLDialect.allCases) func beginRunRecordsARunningRunWithItsId(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        var run = deployRun()
        run.status = .succeeded
        run.exitCode = 0
        run.finishedAt = Samples.time
        run.tasks = [TaskEvent(host: "alpha", task: "gather facts", status: .ok, durationMs: 800)]
        let id = try await fixture.store.beginRun(run)
        let stored = try #require(try await fixture.store.runs(project: "shop", limit: 1).first)
        #expect(stored.id == id)
        #expect(stored.status == .running && stored.exitCode == nil && stored.finishedAt == nil)
        #expect(stored.tasks == run.tasks)
    }

    @Test(arguments: SQLDialect.allCases) func runsAreNewestFirstPerProjectWithLimit(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        var ids: [Int64] = []
        for index in 0..<4 {
            ids.append(try await store.beginRun(deployRun(startedAt: Samples.time + Double(index))))
            _ = try await store.beginRun(deployRun(project: "blog"))
        }
        let runs = try await store.runs(project: "shop", limit: 3)
        #expect(runs.compactMap(\.id) == Array(ids.reversed().prefix(3)))
        #expect(try await store.runs(project: "blog", limit: 10).count == 4)
        #expect(try await store.runs(project: "shop", limit: 0).isEmpty)
    }

    @Test(arguments: SQLDialect.allCases) func recoverInterruptedRunsMarksOnlyRunningOnes(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let finishedID = try await store.beginRun(deployRun())
        var finished = try #require(try await store.runs(project: "shop", limit: 1).first)
        finished.status = .succeeded
        finished.exitCode = 0
        finished.finishedAt = Samples.time + 1
        try await store.finishRun(finished)
        let crashedID = try await store.beginRun(deployRun())
        try await store.appendTask(runID: crashedID, TaskEvent(host: "alpha", task: "copy", status: .changed, durationMs: 5))
        let otherID = try await store.beginRun(deployRun(project: "blog"))

        // A restarted controller: a new connection finds the runs its predecessor left running.
        let restarted = try await fixture.reopen()
        let recoveredAt = Samples.time + 60
        let recovered = try await restarted.recoverInterruptedRuns(at: recoveredAt)
        #expect(recovered.compactMap(\.id) == [crashedID, otherID])
        #expect(recovered.allSatisfy { $0.status == .interrupted && $0.finishedAt == recoveredAt })
        #expect(recovered.first?.tasks.map(\.task) == ["copy"])
        let stored = try await restarted.runs(project: "shop", limit: 10)
        #expect(stored.first == recovered.first)
        #expect(stored.last?.id == finishedID && stored.last?.status == .succeeded)
        #expect(try await restarted.recoverInterruptedRuns(at: recoveredAt).isEmpty)
        // Each end has its journal line, written with it.
        let lines = try await restarted.journal(after: nil, matching: JournalQuery(), limit: 10).map(\.message)
        #expect(lines == ["run #\(finishedID) deploy succeeded", "run #\(crashedID) deploy interrupted", "run #\(otherID) deploy interrupted"])
    }

    /// What a replica may mark: a project's runs it took over, the servers' runs while no live process holds a server
    /// key, and at a start everything but what live processes hold.
    @Test(arguments: SQLDialect.allCases) func recoveryKeepsToItsFilter(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let shop = try await store.beginRun(deployRun())
        let blog = try await store.beginRun(deployRun(project: "blog"))
        let provision = try await store.beginRun(RunRecord(
            kind: "provision", server: "alpha", playbook: "provision.yml", inputHash: "i1", startedAt: Samples.time))
        func recover(_ filter: InterruptedRunFilter) async throws -> [Int64] {
            try await store.recoverInterruptedRuns(at: Samples.time + 60, matching: filter).compactMap(\.id)
        }
        #expect(try await recover(InterruptedRunFilter(excludingProjects: ["shop", "blog"], excludingServerRuns: true)).isEmpty)
        #expect(try await recover(InterruptedRunFilter(onlyProject: "blog")) == [blog])
        #expect(try await recover(InterruptedRunFilter(onlyServerRuns: true)) == [provision])
        #expect(try await recover(InterruptedRunFilter(onlyServerRuns: true)).isEmpty, "marked once")
        #expect(try await recover(InterruptedRunFilter()) == [shop])
        #expect(try await store.runs(server: "alpha", limit: 5).first?.status == .interrupted)
    }

    @Test(arguments: SQLDialect.allCases) func aFinishedRunWritesItsJournalLineWithIt(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let id = try await store.beginRun(deployRun())
        var run = try #require(try await store.runs(project: "shop", limit: 1).first)
        run.status = .failed
        run.failedTask = "copy"
        run.finishedAt = Samples.time + 1
        try await store.finishRun(run)
        let lines = try await store.journal(after: nil, matching: JournalQuery(project: "shop"), limit: 10)
        #expect(lines.count == 1)
        #expect(lines.first?.message == "run #\(id) deploy failed: task \"copy\"")
        #expect(lines.first?.level == .warning)
        #expect(lines.first?.action == "run_finished")
        #expect(lines.first?.fields["input_hash"] == run.inputHash)
    }

    @Test(arguments: SQLDialect.allCases) func runMisuseIsReported(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let noID = await #expect(throws: StoreError.self) { try await fixture.store.finishRun(deployRun()) }
        #expect(noID?.kind == .invalidArgument)
        var unknown = deployRun()
        unknown.id = 42
        let missing = await #expect(throws: StoreError.self) { try await fixture.store.finishRun(unknown) }
        #expect(missing?.kind == .notFound)
        #expect(missing?.description.contains("42") == true)
        let orphanTask = await #expect(throws: StoreError.self) {
            try await fixture.store.appendTask(runID: 42, TaskEvent(host: "h", task: "t", status: .ok, durationMs: 1))
        }
        switch engine {
        case .sqlite: #expect(orphanTask?.description.contains("FOREIGN KEY") == true)
        case .postgres: #expect(orphanTask?.sqlState == "23503")
        }
    }

    // MARK: Reconciles

    @Test(arguments: SQLDialect.allCases) func reconcileLifecycleAndLast(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        #expect(try await store.lastReconcile() == nil)
        let firstID = try await store.beginReconcile(ReconcileRecord(commit: nil, ref: "main", startedAt: Samples.time))
        var first = try #require(try await store.lastReconcile())
        #expect(first == ReconcileRecord(id: firstID, commit: nil, ref: "main", startedAt: Samples.time))
        first.commit = "feedbeef"
        first.finishedAt = Samples.time + 2
        first.result = .progressing
        first.actions = 3
        first.errors = 1
        first.worldDigest = "d1gest"
        try await store.finishReconcile(first)
        #expect(try await fixture.reopen().lastReconcile() == first)

        let secondID = try await store.beginReconcile(ReconcileRecord(commit: "c2", ref: "main", startedAt: Samples.time + 10))
        #expect(secondID > firstID)
        let last = try await store.lastReconcile()
        #expect(last?.id == secondID && last?.result == .running && last?.finishedAt == nil)

        let noID = await #expect(throws: StoreError.self) {
            try await store.finishReconcile(ReconcileRecord(commit: nil, ref: "main", startedAt: Samples.time))
        }
        #expect(noID?.kind == .invalidArgument)
        let missing = await #expect(throws: StoreError.self) {
            try await store.finishReconcile(ReconcileRecord(id: 999, commit: nil, ref: "main", startedAt: Samples.time))
        }
        #expect(missing?.kind == .notFound)
    }
}
