import Foundation
import StewardCore
import StewardModel
import Testing
@testable import StewardCLI

/// `steward wait`'s judgement of one look at the state: met only when it is so at the current spec, failed only for
/// what will not change by itself, waiting otherwise.
struct WaitVerdictTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func record(ready: Condition.Status = .true, reason: String = "Deployed", commit: String = "abcdef1234567890",
                        generation: Int64 = 2, observed: Int64 = 2, phase: ProjectPhase = .active) -> ProjectRecord {
        ProjectRecord(
            name: "hello", phase: phase, generation: generation, observedGeneration: observed, specHash: "h2",
            conditions: [Condition(type: Condition.ready, status: ready, reason: reason, message: "m", lastTransitionTime: now)],
            server: "local", lastDeployCommit: commit, lastDeployedAt: now, updatedAt: now)
    }

    private func verdict(_ project: ProjectRecord?, _ target: WaitCommand.Target = .ready, desired: String? = "h2",
                         health: HealthCheckRecord? = nil, lastDeploy: RunRecord? = nil) -> WaitCommand.State {
        WaitCommand.verdict(of: project, health: health, lastDeploy: lastDeploy, target: target, desiredSpecHash: desired).state
    }

    @Test func readyIsMetOnlyAtTheConfigReposSpecAndItsObservedGeneration() {
        #expect(verdict(nil) == .waiting)
        #expect(verdict(record()) == .met)
        #expect(verdict(record(), desired: nil) == .met, "without a config repo, the record's own generation")
        #expect(verdict(record(), desired: "h3") == .waiting, "the pushed spec is not applied yet")
        #expect(verdict(record(generation: 3, observed: 2)) == .waiting)
        #expect(verdict(record(ready: .false, reason: "Deploying")) == .waiting)
    }

    @Test func aCommitIsMetWhenDeployedAndAFailedDeployOfThatCommitFails() {
        #expect(verdict(record(), .deployed("abcdef1")) == .met)
        #expect(verdict(record(), .deployed("1234567")) == .waiting)
        let failed = record(ready: .false, reason: "DeployFailed")
        let run = { (commit: String, status: RunRecord.Status) in
            RunRecord(kind: "deploy", project: "hello", playbook: "deploy_project.yml", inputHash: "i", commit: commit, status: status,
                      startedAt: self.now)
        }
        #expect(verdict(failed, .deployed("1234567"), lastDeploy: run("1234567aa", .failed)) == .failed)
        #expect(verdict(failed, .deployed("1234567"), lastDeploy: run("abcdef1234", .failed)) == .waiting,
            "an older commit's failure is what the new deploy replaces")
        #expect(verdict(failed) == .failed)
    }

    @Test func healthyNeedsACheckAfterTheDeploy() {
        let check = { (at: Date, status: HealthCheckRecord.Status) in
            HealthCheckRecord(project: "hello", url: "http://127.0.0.1:1/health", lastStatus: status, lastCode: 200, lastCheckedAt: at)
        }
        #expect(verdict(record(), .healthy) == .waiting)
        #expect(verdict(record(), .healthy, health: check(now.addingTimeInterval(-5), .healthy)) == .waiting, "checked before the deploy")
        #expect(verdict(record(), .healthy, health: check(now.addingTimeInterval(5), .unhealthy)) == .waiting)
        #expect(verdict(record(), .healthy, health: check(now.addingTimeInterval(5), .healthy)) == .met)
    }

    @Test func errorsStallsBlockedAgentsAndSuspensionsFail() {
        #expect(verdict(record(phase: .error)) == .failed)
        var stalled = record(ready: .false, reason: "PlaybookNotFound")
        stalled.conditions.set(Condition.stalled, .true, reason: "PlaybookNotFound", message: "x", at: now)
        #expect(verdict(stalled) == .failed)
        var blocked = record(ready: .false, reason: "Engineering")
        blocked.engineeringStatus = .blocked
        #expect(verdict(blocked) == .failed)
        var suspended = record()
        suspended.conditions.applySuspension(
            Suspension(objectKind: "Project", objectName: "hello", reason: "incident", since: now), inManifest: false, at: now)
        #expect(verdict(suspended) == .failed)
        #expect(WaitCommand.Target(argument: "deployed=ABCDEF1") == .deployed("abcdef1"))
        #expect(WaitCommand.Target(argument: "deployed=abc") == nil, "at least 7 hex digits")
        #expect(WaitCommand.Target(argument: "healthy") == .healthy)
        #expect(WaitCommand.Target(argument: "green") == nil)
    }
}
