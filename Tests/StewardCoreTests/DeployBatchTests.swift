import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Deploys of several projects in one pass share one `ansible-playbook` run; each project keeps its own result.
struct DeployBatchTests {
    private func harness(projects: [String], concurrency: Int) throws -> ReconcilerHarness {
        let harness = try ReconcilerHarness()
        try harness.config.write("steward.yaml", "concurrency: \(concurrency)\n")
        for name in projects {
            try harness.config.write("manifests/\(name).yaml", ReconcilerHarness.project(name))
        }
        return harness
    }

    @Test func projectsOfAPassDeployInOneRunWithTheirOwnPrivateVars() async throws {
        let harness = try harness(projects: ["p1", "p2"], concurrency: 4)
        try harness.config.write("manifests/p1.yaml", ReconcilerHarness.project("p1", extra: "  env: |\n    KEY=one"))
        let report = try await harness.reconcile()
        #expect(report.outcome == .converged)
        #expect(report.playbookRuns == 1)
        let request = try #require(await harness.runner.requests.first)
        // One inventory host per project, each pointing at its server; nothing per project in extra vars.
        #expect(Set(request.hosts.map(\.name)) == ["hello", "p1", "p2"])
        #expect(Set(request.hosts.map(\.address)) == ["127.0.0.1"])
        #expect(request.extraVars.isEmpty)
        #expect(request.forks == 4)
        #expect(request.strategy == "free")
        #expect(request.hostVars["p1"]?["project_name"] == .string("p1"))
        #expect(request.hostVars["p1"]?["env_content"] == .string("KEY=\"one\"\n"))
        #expect(request.hostVars["p2"]?["env_content"] == .string(""))
        let ports = Set(request.hostVars.values.compactMap { $0["app_port"] })
        #expect(ports.count == 3)
        // Each project has its own run record, with its own tasks under the server's name.
        for name in ["hello", "p1", "p2"] {
            let runs = await harness.store.runs(project: name, limit: 5)
            #expect(runs.count == 1)
            #expect(runs.first?.status == .succeeded)
            #expect(runs.first?.tasks.map(\.host) == ["local"])
            #expect(await harness.store.project(named: name)?.phase == .active)
        }
    }

    @Test func aFailingHostFailsOnlyItsProject() async throws {
        let harness = try harness(projects: ["p1", "p2"], concurrency: 4)
        await harness.runner.setStatus(.failed, host: "p1")
        await harness.runner.setStatus(.unreachable, host: "p2")
        let report = try await harness.reconcile()
        #expect(report.outcome == .failed)
        #expect(report.playbookRuns == 1)
        #expect(report.failures.count == 2)
        #expect(report.failures.contains { $0.hasPrefix("Project/p1: deploy failed: task \"deploy\" on local: boom") })
        #expect(report.failures.contains { $0.hasPrefix("Project/p2: deploy unreachable") })

        let hello = try #require(await harness.store.project(named: "hello"))
        #expect(hello.phase == .active)
        #expect(hello.lastDeployCommit == "c1")
        let helloRun = try #require(await harness.store.runs(project: "hello", limit: 1).first)
        #expect(helloRun.status == .succeeded)
        #expect(helloRun.exitCode == 0)
        #expect(helloRun.failedTask == nil)

        let p1 = try #require(await harness.store.project(named: "p1"))
        #expect(p1.phase == .error)
        #expect(p1.lastDeployCommit == nil)
        let p1Run = try #require(await harness.store.runs(project: "p1", limit: 1).first)
        #expect(p1Run.status == .failed)
        #expect(p1Run.failedTask == "deploy")
        #expect(p1Run.failedHost == "local")
        #expect(await harness.store.project(named: "p2")?.phase == .error)
        #expect(await harness.store.runs(project: "p2", limit: 1).first?.status == .unreachable)
        let incidents = await harness.store.incidentLog.filter { $0.kind == .deployFailed && $0.status.isOpen }
        #expect(Set(incidents.map(\.objectName)) == ["p1", "p2"])

        // The next pass redeploys only the two that failed, again together.
        await harness.runner.setStatus(.succeeded, host: "p1")
        await harness.runner.setStatus(.succeeded, host: "p2")
        let retry = try await harness.reconcile()
        #expect(retry.outcome == .converged)
        #expect(await Set(harness.runner.requests.last?.hosts.map(\.name) ?? []) == ["p1", "p2"])
        #expect(await harness.store.incidentLog.filter { $0.kind == .deployFailed && $0.status.isOpen }.isEmpty)
    }

    @Test func concurrencyOneDeploysEachProjectInARunOfItsOwn() async throws {
        let harness = try harness(projects: ["p1", "p2"], concurrency: 1)
        let report = try await harness.reconcile()
        #expect(report.outcome == .converged)
        #expect(report.playbookRuns == 3)
        for request in await harness.runner.requests {
            #expect(request.hosts.map(\.name) == ["local"])
            #expect(request.hostVars.isEmpty)
            #expect(request.extraVars["project_name"] != nil)
        }
    }

    @Test func batchesHoldAtMostConcurrencyProjects() async throws {
        let harness = try harness(projects: ["p1", "p2", "p3", "p4"], concurrency: 2)
        let report = try await harness.reconcile()
        #expect(report.outcome == .converged)
        #expect(report.playbookRuns == 3)
        #expect(await harness.runner.requests.map(\.hosts.count) == [2, 2, 1])
    }
}

/// How a run's result is split per host.
struct PlaybookHostResultTests {
    private let tasks = [
        TaskEvent(host: "a", task: "t1", status: .ok, durationMs: 1),
        TaskEvent(host: "b", task: "t1", status: .failed, durationMs: 1, message: "no"),
        TaskEvent(host: "a", task: "t2", status: .changed, durationMs: 1),
    ]

    @Test func aHostThatWentThroughSucceedsWhenAnotherFailed() {
        let run = PlaybookResult(
            status: .failed, exitCode: 2, tasks: tasks, failedTask: "t1", failedHost: "b", stderrTail: "noise",
            hosts: ["a": PlaybookHostResult(status: .succeeded), "b": PlaybookHostResult(status: .failed, failedTask: "t1")])
        let a = run.result(forHost: "a", reportedAs: "srv")
        #expect(a.status == .succeeded)
        #expect(a.exitCode == 0)
        #expect(a.tasks.map(\.task) == ["t1", "t2"])
        #expect(a.tasks.allSatisfy { $0.host == "srv" })
        #expect(a.failedTask == nil && a.failedHost == nil && a.stderrTail.isEmpty)
        let b = run.result(forHost: "b", reportedAs: "srv")
        #expect(b.status == .failed)
        #expect(b.exitCode == 2)
        #expect(b.failedTask == "t1")
        #expect(b.failedHost == "srv")
        #expect(b.tasks.map(\.message) == ["no"])
    }

    @Test func aRunWithoutARecapFailsEveryHostAndATimeoutStopsEveryHost() {
        let crashed = PlaybookResult(status: .failed, exitCode: 1, tasks: [], stderrTail: "ERROR! syntax")
        #expect(crashed.result(forHost: "a").status == .failed)
        #expect(crashed.result(forHost: "a").stderrTail == "ERROR! syntax")
        let timedOut = PlaybookResult(
            status: .timedOut, exitCode: nil, tasks: tasks, hosts: ["a": PlaybookHostResult(status: .succeeded)])
        #expect(timedOut.result(forHost: "a").status == .timedOut)
        #expect(timedOut.result(forHost: "b").tasks.count == 1)
    }
}
