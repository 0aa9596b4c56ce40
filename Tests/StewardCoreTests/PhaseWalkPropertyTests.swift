import Foundation
import StewardCore
import StewardModel
import Testing

/// Properties of the lifecycle over random walks: no walk passes through the agents' phases, leaving an
/// interruption returns to the work it stopped, and a person's repo that already runs never enters them at all
/// (docs/ARCHITECTURE.md §3).
struct PhaseWalkPropertyTests {
    /// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func everyWalkAvoidsTheAgentsPhasesAndLeavesInterruptionsForTheirWork() {
        let resumes: [ProjectPhase?] = [nil] + ProjectPhase.allCases.filter { !$0.isInterruption }
        for phase in ProjectPhase.allCases {
            for resume in resumes {
                for target in ProjectPhase.allCases {
                    guard let walk = try? phase.path(to: target, resumePhase: resume) else { continue }
                    #expect(walk.dropLast().allSatisfy { !$0.isAgentWork && !$0.isInterruption },
                        "\(phase) -> \(target) (resume \(resume?.rawValue ?? "-")) walks \(walk)")
                    if phase.isInterruption, let first = walk.first, first.isAgentWork {
                        #expect(first == resume || (resume?.successors.contains(first) ?? false),
                            "\(phase) -> \(first) is not the work that stopped (\(resume?.rawValue ?? "-"))")
                    }
                }
            }
        }
    }

    /// Random sequences of what the world does (a server going away and back, secrets removed and set, deploys
    /// failing), planned and applied as the executor applies them, for a person's repo that already holds an
    /// app: no pass hands it to the agents and no phase change enters an agent phase.
    @Test(arguments: 0..<40)
    func aPersonsRunningRepoNeverEntersAnAgentPhase(seed: Int) throws {
        var random = SeededGenerator(state: UInt64(seed) &* 7919 &+ 1)
        var project = Fixtures.project("shop", env: "TOKEN=${secret:token}")
        project.spec.brief = "it already runs"
        let server = Fixtures.server("local", connection: .ssh)
        var record: ProjectRecord?
        var serverStatus = ServerStatus.provisioning
        var secrets = ["token": 1]
        var visited: [ProjectPhase] = []

        for _ in 0..<60 {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: serverStatus = serverStatus == .ready ? .error : .ready
            case 1: secrets = secrets.isEmpty ? ["token": 1] : [:]
            default: break
            }
            var observed = ObservedState(
                projects: record.map { ["shop": $0] } ?? [:], servers: ["local": Fixtures.serverRecord(server, status: serverStatus)],
                repos: ["shop": Fixtures.resolved()], secrets: secrets.isEmpty ? [:] : ["shop": secrets],
                playbooks: ["deploy_project.yml": Fixtures.playbook])
            observed.runnable = ["shop"]
            let actions = Planner().plan(desired: DesiredState(projects: [project], servers: [server]), observed: observed)
            #expect(!actions.contains { $0.isEngineer }, "seed \(seed): \(actions.map(\.name))")
            for action in actions {
                switch action {
                case .registerProject:
                    if record == nil || record?.phase == .discovered {
                        record = ProjectRecord(name: "shop", repo: "acme/shop", manifestPath: project.location.file,
                            phase: .draft, specHash: project.specHash, spec: project.spec, updatedAt: Fixtures.now)
                    }
                case .adoptRepo: try move(&record, to: .initialized, &visited)
                case .awaitRepo: try move(&record, to: .provisioning, &visited)
                case .waitForResources: try move(&record, to: .waitingForResources, &visited)
                case .setupRequired: try move(&record, to: .setupRequired, &visited)
                case .markActive: try move(&record, to: .active, &visited)
                case .deploy(let plan):
                    try move(&record, to: .deploying, &visited)
                    if Bool.random(using: &random) {
                        try move(&record, to: .active, &visited)
                        record?.server = plan.server.name
                        record?.port = 18000
                        record?.lastDeployCommit = plan.repo.commit
                        record?.lastDeployInputHash = plan.inputs(port: 18000).hash
                    } else {
                        try move(&record, to: .error, &visited)
                    }
                default: break
                }
            }
        }
        #expect(!visited.contains { $0.isAgentWork }, "seed \(seed) visited \(visited.map(\.rawValue))")
        #expect(visited.contains(.deploying), "seed \(seed): the walk reached a deploy at least once")
    }

    /// A phase change as `ActionExecutor.transition` makes it: the walk, the resume phase kept while interrupted.
    private func move(_ record: inout ProjectRecord?, to target: ProjectPhase, _ visited: inout [ProjectPhase]) throws {
        guard var current = record else { return }
        for next in try current.phase.path(to: target, resumePhase: current.resumePhase) {
            if next.isInterruption, !current.phase.isInterruption { current.resumePhase = current.phase }
            if current.phase.isInterruption, !next.isInterruption { current.resumePhase = nil }
            current.phase = next
            visited.append(next)
        }
        record = current
    }
}
