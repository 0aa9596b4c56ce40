import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Builders shared by the planner and reconciler tests.
enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func project(_ name: String, server: String? = "local", file: String = "manifests/apps.yaml",
                        env: String? = nil, stage: ProjectSpec.Stage = .active, suspend: Bool = false) -> ProjectManifest {
        ProjectManifest(
            metadata: Metadata(name: name),
            spec: ProjectSpec(repo: "acme/\(name)", stage: stage, server: server, env: env, suspend: suspend),
            location: SourceLocation(file: file, line: 1, column: 1))
    }

    static func server(_ name: String = "local", connection: ServerSpec.Connection = .local) -> ServerManifest {
        ServerManifest(
            metadata: Metadata(name: name),
            spec: ServerSpec(address: "127.0.0.1", connection: connection,
                             capacity: .init(memoryMB: 1024, ports: PortRange(lower: 18000, upper: 18009))),
            location: SourceLocation(file: "manifests/servers.yaml", line: 1, column: 1))
    }

    static let playbook = PlaybookSource(playbook: "deploy_project.yml", origin: .steward, treeHash: "tree")

    static func resolved(_ commit: String = "c1") -> RepoObservation {
        .found(ResolvedRepo(cloneURL: "file:///forge/acme/app.git", commit: commit))
    }

    /// A store record as a successful deploy of `project` at `commit` leaves it.
    static func deployedRecord(_ project: ProjectManifest, server: ServerManifest, commit: String = "c1", port: Int = 18000) -> ProjectRecord {
        let plan = DeployPlan(project: project.name, server: server,
                              repo: ResolvedRepo(cloneURL: "file:///forge/acme/app.git", commit: commit),
                              port: port, spec: project.spec, specHash: project.specHash, playbook: playbook, reason: "")
        return ProjectRecord(
            name: project.name, repo: project.spec.repo, manifestPath: project.location.file, phase: .active,
            generation: 1, observedGeneration: 1, specHash: project.specHash, spec: project.spec,
            server: server.name, port: port, lastDeployInputHash: plan.inputs(port: port).hash, lastDeployCommit: commit,
            updatedAt: now)
    }

    static func serverRecord(_ server: ServerManifest, status: ServerStatus = .ready) -> ServerRecord {
        ServerRecord(name: server.name, manifestPath: server.location.file, status: status, generation: 1,
                     observedGeneration: 1, specHash: server.specHash, spec: server.spec, updatedAt: now)
    }
}

struct PlannerTests {
    let planner = Planner()

    @Test func newProjectOnLocalServerIsRegisteredAdoptedAndDeployed() {
        let project = Fixtures.project("hello")
        let desired = DesiredState(projects: [project], servers: [Fixtures.server()])
        let observed = ObservedState(repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = planner.plan(desired: desired, observed: observed)
        #expect(actions.map(\.name) == ["register", "set_status", "register", "adopt_repo", "deploy"])
        guard case .deploy(let plan) = actions.last else { Issue.record("no deploy"); return }
        #expect(plan.port == nil)
        #expect(plan.reason == "first deploy")
    }

    @Test func nothingChangedPlansNothing() {
        let project = Fixtures.project("hello")
        let server = Fixtures.server()
        let desired = DesiredState(projects: [project], servers: [server])
        let observed = ObservedState(
            projects: ["hello": Fixtures.deployedRecord(project, server: server)],
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        #expect(planner.plan(desired: desired, observed: observed) == [])
    }

    @Test func aForcedDeployRunsWithUnchangedInputsFromAnyPhase() {
        let project = Fixtures.project("hello")
        let server = Fixtures.server()
        let desired = DesiredState(projects: [project], servers: [server])
        var record = Fixtures.deployedRecord(project, server: server)
        var observed = ObservedState(
            projects: ["hello": record], servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        observed.forceDeploy = ["hello"]
        var actions = planner.plan(desired: desired, observed: observed, only: "hello")
        guard case .deploy(let plan)? = actions.last, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(plan.isRepair && plan.reason == "recovery: forced redeploy" && plan.port == 18000)

        // Waiting after its server came back: marked active, then deployed again all the same.
        record.phase = .waitingForResources
        observed.projects["hello"] = record
        actions = planner.plan(desired: desired, observed: observed, only: "hello")
        #expect(actions.map(\.name) == ["mark_active", "deploy"])
    }

    @Test func newCommitRedeploysAndSaysWhy() {
        let project = Fixtures.project("hello")
        let server = Fixtures.server()
        let observed = ObservedState(
            projects: ["hello": Fixtures.deployedRecord(project, server: server, commit: "aaaaaaa1")],
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved("bbbbbbb2")], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = planner.plan(desired: DesiredState(projects: [project], servers: [server]), observed: observed)
        guard case .deploy(let plan)? = actions.first, actions.count == 1 else { Issue.record("\(actions)"); return }
        #expect(plan.reason == "commit aaaaaaa -> bbbbbbb")
        #expect(plan.port == 18000)
    }

    @Test func changedPlaybookTreeRedeploys() {
        let project = Fixtures.project("hello")
        let server = Fixtures.server()
        var playbook = Fixtures.playbook
        playbook.treeHash = "other"
        let observed = ObservedState(
            projects: ["hello": Fixtures.deployedRecord(project, server: server)],
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": playbook])
        let actions = planner.plan(desired: DesiredState(projects: [project], servers: [server]), observed: observed)
        #expect(actions.map(\.name) == ["deploy"])
    }

    @Test func missingSecretsMarkSetupRequiredAndNameThem() {
        let project = Fixtures.project("bot", env: "A=1\nTOKEN=${secret:TOKEN}\nKEY=${secret:API_KEY}\n")
        let observed = ObservedState(repos: ["bot": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = planner.plan(desired: DesiredState(projects: [project], servers: [Fixtures.server()]), observed: observed)
        #expect(actions.last == .setupRequired(project: "bot", missingSecrets: ["TOKEN", "API_KEY"]))
        #expect(!actions.contains { $0.name == "deploy" })
    }

    @Test func missingRepoWaitsInProvisioningAndUnavailableForgeChangesNothing() {
        let project = Fixtures.project("hello")
        let desired = DesiredState(projects: [project], servers: [Fixtures.server()])
        let missing = planner.plan(desired: desired, observed: ObservedState(repos: ["hello": .missing]))
        #expect(missing.last == .awaitRepo(project: "hello", repo: "acme/hello"))
        let unavailable = planner.plan(desired: desired, observed: ObservedState(repos: ["hello": .unavailable("timeout")]))
        #expect(unavailable.map(\.name) == ["register", "set_status", "register"])
    }

    @Test func removedManifestIsFlaggedOrPrunedButNeverOnABrokenFile() {
        let project = Fixtures.project("old")
        let server = Fixtures.server()
        let observed = ObservedState(
            projects: ["old": Fixtures.deployedRecord(project, server: server)],
            servers: ["local": Fixtures.serverRecord(server)])
        var desired = DesiredState(servers: [server])
        #expect(planner.plan(desired: desired, observed: observed) == [.orphanProject(name: "old")])
        desired.settings.prune = true
        #expect(planner.plan(desired: desired, observed: observed) == [.pruneProject(name: "old")])
        desired.brokenFiles = ["manifests/apps.yaml"]
        #expect(planner.plan(desired: desired, observed: observed) == [])
    }

    @Test func sshServerThatIsNotReadyMakesTheProjectWait() {
        let server = Fixtures.server("vps-1", connection: .ssh)
        let project = Fixtures.project("hello", server: "vps-1")
        let observed = ObservedState(
            servers: ["vps-1": Fixtures.serverRecord(server, status: .discovered)],
            repos: ["hello": Fixtures.resolved()], playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = planner.plan(desired: DesiredState(projects: [project], servers: [server]), observed: observed)
        #expect(actions.last == .waitForResources(project: "hello", reason: "server vps-1 is discovered, not ready"))
    }

    @Test func earlierStagesGoToTheEngineeringGraphAndSuspendedProjectsOnlyRegister() {
        let designed = Fixtures.project("a", stage: .designed)
        let suspended = Fixtures.project("b", suspend: true)
        let observed = ObservedState(repos: ["a": Fixtures.resolved(), "b": Fixtures.resolved()],
                                     playbooks: ["deploy_project.yml": Fixtures.playbook])
        let actions = planner.plan(desired: DesiredState(projects: [designed, suspended], servers: [Fixtures.server()]),
                                   observed: observed)
        #expect(actions.filter { $0.key == "Project/a" }.map(\.name) == ["register", "engineer"])
        #expect(actions.contains(.engineer(designed, server: nil)))
        #expect(actions.filter { $0.key == "Project/b" }.map(\.name) == ["register"])
    }

    @Test func aProjectSuspendedInTheStateIsNeitherDeployedNorEngineeredAndProjectsOfASuspendedServerWait() {
        let project = Fixtures.project("hello")
        let server = Fixtures.server()
        let desired = DesiredState(projects: [project], servers: [server])
        var observed = ObservedState(
            projects: ["hello": Fixtures.deployedRecord(project, server: server, commit: "aaaaaaa1")],
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["hello": Fixtures.resolved("bbbbbbb2")], playbooks: ["deploy_project.yml": Fixtures.playbook])
        #expect(planner.plan(desired: desired, observed: observed).map(\.name) == ["deploy"], "a new commit deploys")
        observed.suspended = ["Project/hello"]
        #expect(planner.plan(desired: desired, observed: observed) == [], "suspended: the new commit waits")
        let brief = Fixtures.project("idea", stage: .designed)
        observed.suspended = ["Project/idea"]
        #expect(planner.plan(desired: DesiredState(projects: [brief], servers: [server]), observed: observed)
            .filter { $0.key == "Project/idea" }.map(\.name) == ["register"], "no engineering either")

        observed.suspended = ["Server/local"]
        #expect(planner.plan(desired: desired, observed: observed).last
            == .waitForResources(project: "hello", reason: "server local is suspended (steward resume server local)"))
    }

    @Test func aBriefIsEngineeredUntilVerifiedThenDeployedAndAReachedStageIsLeftAlone() {
        var project = Fixtures.project("shop", server: nil)
        project.spec.brief = "a shop"
        let server = Fixtures.server()
        let desired = DesiredState(projects: [project], servers: [server])
        // No repo yet: the graph runs, placed by Zavhoz's rule on the ready local server.
        let fresh = planner.plan(desired: desired, observed: ObservedState(repos: ["shop": .missing]))
        #expect(fresh.last == .engineer(project, server: "local"))
        // Mid-engineering (also while waiting for an answer) the graph is resumed.
        for phase in [ProjectPhase.designing, .implementing, .verifying] {
            let record = ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: "manifests/apps.yaml", phase: phase, generation: 1, specHash: project.specHash,
                                       spec: project.spec, updatedAt: Date())
            let actions = planner.plan(desired: desired, observed: ObservedState(
                projects: ["shop": record], servers: ["local": Fixtures.serverRecord(server)], repos: ["shop": Fixtures.resolved()],
                playbooks: ["deploy_project.yml": Fixtures.playbook]))
            #expect(actions.map(\.name) == ["engineer"], "\(phase)")
        }
        // Verified: the normal deploy.
        let verified = ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: "manifests/apps.yaml", phase: .verified, generation: 1, specHash: project.specHash,
                                     spec: project.spec, updatedAt: Date())
        let deploy = planner.plan(desired: desired, observed: ObservedState(
            projects: ["shop": verified], servers: ["local": Fixtures.serverRecord(server)], repos: ["shop": Fixtures.resolved()],
            playbooks: ["deploy_project.yml": Fixtures.playbook]))
        #expect(deploy.map(\.name) == ["deploy"])
        // A stage short of active that is reached: nothing to do.
        var designedOnly = project
        designedOnly.spec.stage = .designed
        let designed = ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: "manifests/apps.yaml", phase: .designed, generation: 1,
                                     specHash: designedOnly.specHash, spec: designedOnly.spec, updatedAt: Date())
        #expect(planner.plan(desired: DesiredState(projects: [designedOnly], servers: [server]), observed: ObservedState(
            projects: ["shop": designed], servers: ["local": Fixtures.serverRecord(server)], repos: ["shop": Fixtures.resolved()],
            playbooks: ["deploy_project.yml": Fixtures.playbook])).isEmpty)
        #expect(EngineeringStage.reached(.active, phase: .waitingForResources, resumePhase: .verified))
        #expect(!EngineeringStage.reached(.active, phase: .setupRequired, resumePhase: .draft))
    }

    @Test func onlyFilterLimitsProjectWork() {
        let observed = ObservedState(repos: ["a": Fixtures.resolved(), "b": Fixtures.resolved()],
                                     playbooks: ["deploy_project.yml": Fixtures.playbook])
        let desired = DesiredState(projects: [Fixtures.project("a"), Fixtures.project("b")], servers: [Fixtures.server()])
        let actions = planner.plan(desired: desired, observed: observed, only: "b")
        #expect(!actions.contains { $0.key == "Project/a" })
        #expect(actions.contains { $0.key == "Project/b" && $0.name == "deploy" })
    }

    @Test func aWholePlanIsTheServersPlanThenEachProjectsOwnPlan() {
        let server = Fixtures.server()
        let kept = Fixtures.project("kept", server: nil)
        let changed = Fixtures.project("changed", env: "A=1")
        let gone = Fixtures.project("gone")
        let desired = DesiredState(projects: [kept, changed, Fixtures.project("new", server: nil)], servers: [server])
        let observed = ObservedState(
            projects: [
                "kept": Fixtures.deployedRecord(kept, server: server, port: 18000),
                "changed": Fixtures.deployedRecord(Fixtures.project("changed"), server: server, port: 18001),
                "gone": Fixtures.deployedRecord(gone, server: server, port: 18002),
            ],
            servers: ["local": Fixtures.serverRecord(server), "retired": Fixtures.serverRecord(Fixtures.server("retired"))],
            repos: ["kept": Fixtures.resolved(), "changed": Fixtures.resolved(), "new": Fixtures.resolved()],
            playbooks: ["deploy_project.yml": Fixtures.playbook])
        var perKey = planner.planServers(desired: desired, observed: observed)
        for name in ["kept", "changed", "new", "gone"] {
            let manifest = desired.projects.first { $0.name == name }
            perKey += planner.plan(project: name, manifest: manifest, desired: desired, observed: observed)
        }
        let whole = planner.plan(desired: desired, observed: observed)
        #expect(whole == perKey, "reconcile --once plans with steward run's per-key functions")
        #expect(whole.contains(.orphanServer(name: "retired")) && whole.contains(.orphanProject(name: "gone")))
        #expect(whole.contains { $0.key == "Project/changed" && $0.name == "deploy" })
        #expect(!whole.contains { $0.key == "Project/kept" })
    }

    @Test func phasePathsFollowTheTransitionTable() throws {
        #expect(try ProjectPhase.draft.path(to: .deploying) == [.initialized, .deploying])
        #expect(try ProjectPhase.provisioning.path(to: .active) == [.initialized, .deploying, .active])
        #expect(try ProjectPhase.active.path(to: .error) == [.error])
        #expect(try ProjectPhase.error.path(to: .deploying) == [.deploying])
        #expect(throws: IllegalTransition.self) { try ProjectPhase.active.path(to: .provisioning) }
    }
}

struct PlannerShortcutTests {
    @Test func anUnchangedWorldSkipsActiveProjectsWithUnchangedManifestsOnly() {
        let server = Fixtures.server()
        let steady = Fixtures.project("steady")
        let edited = Fixtures.project("edited")
        var staleRecord = Fixtures.deployedRecord(edited, server: server)
        staleRecord.specHash = "an older spec"
        staleRecord.lastDeployInputHash = "inputs of the older spec"
        // The steady record's deploy hash is stale on purpose: only the shortcut can call it converged.
        var steadyRecord = Fixtures.deployedRecord(steady, server: server)
        steadyRecord.lastDeployInputHash = "stale"
        let observed = ObservedState(
            projects: ["steady": steadyRecord, "edited": staleRecord],
            servers: ["local": Fixtures.serverRecord(server)],
            repos: ["steady": Fixtures.resolved(), "edited": Fixtures.resolved()],
            playbooks: ["deploy_project.yml": Fixtures.playbook])
        let desired = DesiredState(projects: [steady, edited], servers: [server])
        let shortcut = Planner().plan(desired: desired, observed: observed, worldUnchanged: true)
        #expect(shortcut.map(\.key) == ["Project/edited", "Project/edited"])
        #expect(shortcut.map(\.name) == ["update", "deploy"])
        let full = Planner().plan(desired: desired, observed: observed, worldUnchanged: false)
        #expect(full.contains { $0.key == "Project/steady" && $0.name == "deploy" })
    }
}
