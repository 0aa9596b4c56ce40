import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Maintenance (seed 5.1) as the planner decides it: a change request an active project has not implemented
/// goes to the engineering graph; implemented ones cost nothing.
struct PlannerMaintenanceTests {
    let server = Fixtures.server()

    private func project(changes: [ProjectSpec.Change], brief: String? = "a shop") -> ProjectManifest {
        var spec = Fixtures.project("shop").spec
        spec.brief = brief
        spec.changes = changes
        // Built anew so the spec hash is the new spec's.
        return ProjectManifest(metadata: Metadata(name: "shop"), spec: spec, location: SourceLocation(file: "manifests/apps.yaml", line: 1, column: 1))
    }

    private func plan(_ project: ProjectManifest, _ record: ProjectRecord, worldUnchanged: Bool = false) -> [Action] {
        Planner().plan(
            desired: DesiredState(projects: [project], servers: [server]),
            observed: ObservedState(
                projects: ["shop": record], servers: ["local": Fixtures.serverRecord(server)], repos: ["shop": Fixtures.resolved()],
                playbooks: ["deploy_project.yml": Fixtures.playbook]),
            worldUnchanged: worldUnchanged)
    }

    private let about = ProjectSpec.Change(id: "about", description: "add endpoint /about returning hi")
    private let stats = ProjectSpec.Change(id: "stats", description: "add endpoint /stats returning ok")

    @Test func anActiveProjectWithEveryChangeImplementedNeedsNothing() {
        let manifest = project(changes: [about])
        var record = Fixtures.deployedRecord(manifest, server: server)
        record.implementedChanges = ["about"]
        #expect(plan(manifest, record).isEmpty)
        #expect(plan(manifest, record, worldUnchanged: true).isEmpty)
    }

    @Test func aNewChangeRequestOnAnActiveProjectIsEngineeredAsMaintenance() {
        let before = project(changes: [about])
        var record = Fixtures.deployedRecord(before, server: server)
        record.implementedChanges = ["about"]
        let after = project(changes: [about, stats])
        // The manifest changed (a new generation), and the change request goes to the graph: no deploy yet.
        let actions = plan(after, record)
        #expect(actions == [.updateProject(after), .engineer(after, server: "local", changes: ["stats"])])
        #expect(actions.last?.summary.hasPrefix("maintenance: change requests stats; ") == true)
        // With the record already updated (same spec), an unchanged world does not skip it.
        record.specHash = after.specHash
        record.spec = after.spec
        #expect(plan(after, record, worldUnchanged: true) == [.engineer(after, server: "local", changes: ["stats"])])
    }

    @Test func aProjectWithoutABriefIsMaintainedToo() {
        let manifest = project(changes: [stats], brief: nil)
        let record = Fixtures.deployedRecord(manifest, server: server)
        #expect(plan(manifest, record) == [.engineer(manifest, server: "local", changes: ["stats"])])
    }

    @Test func theMaintenanceThreadIsResumedUntilVerifiedThenTheNormalDeployRuns() {
        let manifest = project(changes: [about, stats])
        var record = Fixtures.deployedRecord(manifest, server: server)
        record.implementedChanges = ["about"]
        for phase in [ProjectPhase.maintenance, .implementing, .implemented, .verifying] {
            record.phase = phase
            #expect(plan(manifest, record) == [.engineer(manifest, server: "local", changes: ["stats"])], "\(phase)")
        }
        // Waiting for an answer leaves the phase where the thread is; an interruption resumes where work stopped.
        record.phase = .waitingForResources
        record.resumePhase = .active
        #expect(plan(manifest, record).map(\.name) == ["engineer"])
        // Verified (the review recorded the change as implemented): the normal deploy path (here the deployed
        // inputs already match, so only the phase moves).
        record.phase = .verified
        record.resumePhase = nil
        record.implementedChanges = ["about", "stats"]
        #expect(plan(manifest, record).map(\.name) == ["mark_active"])
        // A change request that arrives while a deploy is due waits for it: deploy first, then maintenance.
        record.implementedChanges = ["about"]
        #expect(plan(manifest, record).map(\.name) == ["mark_active"])
    }

    @Test func aFirstBuildWithChangeRequestsIsNotMaintenance() {
        let manifest = project(changes: [about])
        let record = ProjectRecord(
            name: "shop", repo: "acme/shop", manifestPath: manifest.location.file, phase: .implementing, generation: 1,
            specHash: manifest.specHash, spec: manifest.spec, updatedAt: Date())
        #expect(plan(manifest, record) == [.engineer(manifest, server: "local", changes: [])])
    }

    @Test func earlierStagesAreNotMaintained() {
        var spec = project(changes: [stats]).spec
        spec.stage = .implemented
        let manifest = ProjectManifest(metadata: Metadata(name: "shop"), spec: spec, location: SourceLocation(file: "manifests/apps.yaml"))
        let record = ProjectRecord(
            name: "shop", repo: "acme/shop", manifestPath: manifest.location.file, phase: .implemented, generation: 1,
            specHash: manifest.specHash, spec: manifest.spec, updatedAt: Date())
        #expect(plan(manifest, record).isEmpty)
        #expect(!EngineeringStage.needsMaintenance(manifest.spec, phase: .implemented, resumePhase: nil, implemented: [], deployed: true))
    }

    @Test func theLifecycleAllowsTheMaintenancePath() throws {
        var phase = ProjectPhase.active
        for next in [ProjectPhase.maintenance, .implementing, .implemented, .verifying, .implementing, .implemented, .verifying,
                     .verified, .deploying, .active] {
            phase = try phase.transition(to: next)
        }
        #expect(phase == .active)
        #expect(try ProjectPhase.maintenance.path(to: .implementing) == [.implementing])
    }
}
