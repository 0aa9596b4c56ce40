import Foundation
import StewardCore
import StewardModel
import Testing

/// Projects without `spec.server` are placed on a ready server with room (Zavhoz's rule), in the planner.
struct PlacementTests {
    func server(_ name: String, memoryMB: Int, ports: String = "9000-9009") -> ServerManifest {
        ServerManifest(
            metadata: Metadata(name: name),
            spec: ServerSpec(address: "10.0.0.\(name.count)", capacity: .init(memoryMB: memoryMB, ports: PortRange(parsing: ports)!)),
            location: SourceLocation(file: "manifests/servers.yaml", line: 1, column: 1))
    }

    func project(_ name: String, memoryMB: Int, strategy: ProjectSpec.Deploy.Strategy = .recreate) -> ProjectManifest {
        var spec = ProjectSpec(repo: "acme/\(name)", resources: .init(memoryMB: memoryMB, ports: 1))
        spec.deploy.strategy = strategy
        return ProjectManifest(metadata: Metadata(name: name), spec: spec,
                               location: SourceLocation(file: "manifests/\(name).yaml", line: 1, column: 1))
    }

    func deployTargets(_ actions: [Action]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: actions.compactMap { action -> (String, String)? in
            guard case .deploy(let plan) = action else { return nil }
            return (plan.project, plan.server.name)
        })
    }

    @Test func theRoomiestReadyServerIsChosenAndCapacityIsCountedWithinAPass() {
        let small = server("small", memoryMB: 512)
        let big = server("big", memoryMB: 1024)
        let down = server("down", memoryMB: 8192)
        let projects = [project("p1", memoryMB: 256), project("p2", memoryMB: 512), project("p3", memoryMB: 512),
                        project("p4", memoryMB: 512)]
        let observed = ObservedState(
            servers: ["small": Fixtures.serverRecord(small), "big": Fixtures.serverRecord(big),
                      "down": Fixtures.serverRecord(down, status: .error)],
            repos: Dictionary(uniqueKeysWithValues: projects.map { ($0.name, Fixtures.resolved()) }),
            playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = Planner().plan(desired: DesiredState(projects: projects, servers: [small, big, down]), observed: observed)
        // p1 -> big (1024 free), p2 -> big (768 free), p3 -> small (512 free vs 256), p4: nothing fits.
        #expect(deployTargets(actions) == ["p1": "big", "p2": "big", "p3": "small"])
        let waiting = actions.compactMap { action -> String? in
            if case .waitForResources("p4", let reason) = action { return reason }
            return nil
        }
        #expect(waiting == ["no ready server has 512 MB and 1 port free: big has 256 MB and 8 ports free; down not ready; "
            + "small has 0 MB and 9 ports free"])
    }

    @Test func aPlacedProjectStaysWhereItRunsAndPortsCount() {
        let one = server("one", memoryMB: 4096, ports: "9000-9002")
        let two = server("two", memoryMB: 1024)
        let api = project("api", memoryMB: 128)
        var record = Fixtures.deployedRecord(api, server: one, port: 9000)
        record.server = "one"
        let observed = ObservedState(
            projects: ["api": record], servers: ["one": Fixtures.serverRecord(one), "two": Fixtures.serverRecord(two)],
            repos: ["api": Fixtures.resolved("c2"), "web": Fixtures.resolved()],
            playbooks: ["deploy_project.yml": Fixtures.playbook],
            ports: ["api": PortAllocation(server: "one", ports: [9000])])
        // api stays on one, where it runs. one also has the most free memory, but a blue/green web needs 3
        // ports and one has only 2 left: web goes to two.
        let web = project("web", memoryMB: 128, strategy: .blueGreen)
        let actions = Planner().plan(desired: DesiredState(projects: [api, web], servers: [one, two]), observed: observed)
        #expect(deployTargets(actions) == ["api": "one", "web": "two"])
    }

    @Test func portsZavhozAllocatedKeepTheProjectThereAndAMoveFreesThem() {
        let one = server("one", memoryMB: 512)
        let two = server("two", memoryMB: 4096)
        let api = project("api", memoryMB: 128)
        // Zavhoz allocated a port on one before the first deploy; two now has more room, yet api stays on one.
        var observed = ObservedState(
            servers: ["one": Fixtures.serverRecord(one), "two": Fixtures.serverRecord(two)],
            repos: ["api": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook],
            ports: ["api": PortAllocation(server: "one", ports: [9004])])
        var actions = Planner().plan(desired: DesiredState(projects: [api], servers: [one, two]), observed: observed)
        #expect(deployTargets(actions) == ["api": "one"])
        #expect(actions.allSatisfy { if case .deploy(let plan) = $0 { !plan.releasesPortsElsewhere } else { true } })

        // one is no longer ready: the deploy goes to two and frees the ports held on one first.
        observed.servers["one"] = Fixtures.serverRecord(one, status: .error)
        actions = Planner().plan(desired: DesiredState(projects: [api], servers: [one, two]), observed: observed)
        #expect(deployTargets(actions) == ["api": "two"])
        #expect(actions.contains { if case .deploy(let plan) = $0 { plan.releasesPortsElsewhere } else { false } })
    }
}

/// An active project the health checker declared down is repaired by redeploying the same inputs.
struct ServiceRepairPlanTests {
    @Test func aServiceDownIsRepairedWithTheSameInputsEvenOnTheShortcut() {
        let server = Fixtures.server()
        let project = Fixtures.project("hello")
        let record = Fixtures.deployedRecord(project, server: server)
        var observed = ObservedState(
            projects: ["hello": record], servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let desired = DesiredState(projects: [project], servers: [server])
        #expect(Planner().plan(desired: desired, observed: observed).filter(\.isDeploy).isEmpty)

        observed.serviceDown = ["hello"]
        for worldUnchanged in [false, true] {
            let deploys = Planner().plan(desired: desired, observed: observed, worldUnchanged: worldUnchanged).filter(\.isDeploy)
            guard case .deploy(let plan)? = deploys.first else { Issue.record("no repair deploy"); continue }
            #expect(plan.reason == "service down: repair" && plan.isRepair)
            #expect(plan.inputs(port: 18000).hash == record.lastDeployInputHash)
        }
    }
}

/// A drifted project (its last drift check found the server changed, no deploy since) is redeployed with the same
/// inputs only with selfHeal; the drift check itself runs exactly what was deployed, and says why it cannot.
struct DriftPlanTests {
    @Test func selfHealRedeploysADriftedProjectWithTheSameInputs() {
        let server = Fixtures.server()
        let project = Fixtures.project("hello")
        let record = Fixtures.deployedRecord(project, server: server)
        var observed = ObservedState(
            projects: ["hello": record], servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        observed.drifted = ["hello"]
        var desired = DesiredState(projects: [project], servers: [server])
        #expect(Planner().plan(desired: desired, observed: observed).filter(\.isDeploy).isEmpty, "reported, not healed")

        desired.settings.selfHeal = true
        guard case .deploy(let plan)? = Planner().plan(desired: desired, observed: observed).first(where: \.isDeploy) else {
            Issue.record("no self-heal deploy")
            return
        }
        #expect(plan.isRepair && plan.reason.hasPrefix("drifted: self-heal"))
        #expect(plan.inputs(port: 18000).hash == record.lastDeployInputHash)
        // A pass whose world is unchanged still looks at a drifted project.
        #expect(!Planner().plan(desired: desired, observed: observed, worldUnchanged: true).filter(\.isDeploy).isEmpty)

        // spec.selfHeal: false wins over the setting.
        var opted = project
        opted.spec.selfHeal = false
        desired.projects = [opted]
        observed.projects["hello"] = Fixtures.deployedRecord(opted, server: server)
        #expect(Planner().plan(desired: desired, observed: observed).filter(\.isDeploy).isEmpty)
    }

    @Test func theDriftCheckRunsWhatWasDeployedOrSaysWhyNot() {
        let server = Fixtures.server()
        let project = Fixtures.project("hello")
        let record = Fixtures.deployedRecord(project, server: server)
        var observed = ObservedState(
            projects: ["hello": record], servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let desired = DesiredState(projects: [project], servers: [server])
        let plan = try? Planner().runningDeploy(project, desired: desired, observed: observed).get()
        #expect(plan?.inputs(port: 18000).hash == record.lastDeployInputHash)

        observed.repos["hello"] = Fixtures.resolved("c2")
        guard case .failure(let due) = Planner().runningDeploy(project, desired: desired, observed: observed) else {
            Issue.record("a new commit is a deploy due, not something to check")
            return
        }
        #expect(due.reason.contains("a deploy is due"))
        observed.projects["hello"] = nil
        guard case .failure(let never) = Planner().runningDeploy(project, desired: desired, observed: observed) else { return }
        #expect(never.reason == "not deployed yet")
    }
}
