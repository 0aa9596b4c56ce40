import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// `spec.dependsOn`: a project deploys only once each dependency is Ready at its current generation; one pass
/// deploys a chain in order, wave by wave; a dependency that fails keeps its dependents waiting, saying for whom.
struct DependsOnTests {
    @Test func theDeployWaitsUntilTheDependencyIsActiveAtItsCurrentSpec() {
        let server = Fixtures.server()
        var db = Fixtures.project("db")
        var web = Fixtures.project("web")
        web.spec.dependsOn = ["db"]
        web = ProjectManifest(metadata: web.metadata, spec: web.spec, location: web.location)
        let desired = DesiredState(projects: [db, web], servers: [server])
        var observed = ObservedState(
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["db": Fixtures.resolved(), "web": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        var actions = Planner().plan(project: "web", manifest: web, desired: desired, observed: observed)
        #expect(actions.last == .waitForDependencies(project: "web", waitingFor: ["db"]), "db is not even registered")
        observed.projects["db"] = Fixtures.deployedRecord(db, server: server)
        actions = Planner().plan(project: "web", manifest: web, desired: desired, observed: observed)
        #expect(actions.last?.name == "deploy")
        // db's manifest changed and is not applied yet: not Ready at its current generation.
        db.spec.env = "A=1\n"
        db = ProjectManifest(metadata: db.metadata, spec: db.spec, location: db.location)
        actions = Planner().plan(project: "web", manifest: web, desired: DesiredState(projects: [db, web], servers: [server]), observed: observed)
        #expect(actions.last == .waitForDependencies(project: "web", waitingFor: ["db"]))
        #expect(Action.waitForDependencies(project: "web", waitingFor: ["db"]).summary
            == "waiting for db (spec.dependsOn) to be Ready at its current generation")
    }

    @Test func onePassDeploysAChainInOrderAndAFailedDependencyKeepsItsDependentsWaiting() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/db.yaml", ReconcilerHarness.project("db"))
        try harness.config.write("manifests/api.yaml", ReconcilerHarness.project("api", extra: "  dependsOn: [db]"))
        try harness.config.write("manifests/web.yaml", ReconcilerHarness.project("web", extra: "  dependsOn: [api]"))
        let first = try await harness.reconcile()
        #expect(first.outcome == .converged, "\(first.pending) \(first.failures)")
        var runs: [String: Int64] = [:]
        for name in ["db", "api", "web"] {
            #expect(try #require(await harness.store.project(named: name)).phase == .active)
            runs[name] = try #require(await harness.store.runs(project: name, limit: 1).first?.id)
        }
        #expect(runs["db"]! < runs["api"]! && runs["api"]! < runs["web"]!, "\(runs)")

        // api's new spec fails to deploy: web, changed too, waits and says for whom.
        try harness.config.write("manifests/api.yaml", ReconcilerHarness.project("api", extra: "  dependsOn: [db]\n  env: \"V=2\""))
        try harness.config.write("manifests/web.yaml", ReconcilerHarness.project("web", extra: "  dependsOn: [api]\n  env: \"V=2\""))
        await harness.runner.setStatus(.failed)
        let failed = try await harness.reconcile()
        #expect(failed.outcome == .failed)
        let web = try #require(await harness.store.project(named: "web"))
        #expect(web.phase == .waitingForResources)
        #expect(web.conditions[Condition.ready]?.reason == "DependencyNotReady")
        #expect(web.conditions[Condition.ready]?.message.contains("waiting for api") == true)
        #expect(try await harness.store.runs(project: "web", limit: 5).count == 1, "web never deployed its new spec")

        await harness.runner.setStatus(.succeeded)
        let fixed = try await harness.reconcile()
        #expect(fixed.outcome == .converged, "\(fixed.pending) \(fixed.failures)")
        #expect(try #require(await harness.store.project(named: "web")).phase == .active)
        #expect(try await harness.store.runs(project: "web", limit: 5).count == 2)
    }
}
