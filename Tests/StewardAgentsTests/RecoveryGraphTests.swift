import Foundation
import StewardAgents
import StewardCore
import StewardGraph
import StewardModel
import StewardTestSupport
import Testing

/// Recovery operations that record every call; outcomes and one-shot crashes are scripted.
actor ScriptedRecovery: RecoveryOperations {
    var calls: [String] = []
    var marks: [(Int64, IncidentRecord.Status)] = []
    var failing: [String: String] = [:]
    /// Calls that throw once (a process dying mid-step), then work.
    var crashOnce: Set<String> = []
    var projectsOnServer: [String] = ["hello", "bye"]
    var repoOnForge: ForgeRepository?
    var repoAfterRecreate = ForgeRepository(id: 9, owner: "acme", name: "hello", cloneURL: "file:///forge/acme/hello.git")

    func script(failing call: String, _ why: String) { failing[call] = why }
    func script(crashOnce call: String) { crashOnce.insert(call) }
    func script(repoOnForge repo: ForgeRepository?) { repoOnForge = repo }

    private func step(_ call: String) throws -> RecoveryStepResult {
        calls.append(call)
        if crashOnce.remove(call) != nil { throw AgentError("killed during \(call)") }
        if let why = failing[call] { return .failed(why) }
        return .done(call)
    }

    func mark(incident: IncidentRecord, _ status: IncidentRecord.Status, _ message: String) async throws {
        marks.append((incident.id ?? 0, status))
    }
    func checkServer(_ name: String) async throws -> RecoveryStepResult { try step("check \(name)") }
    func provision(_ server: String, step kind: ProvisionStep) async throws -> RecoveryStepResult { try step("\(kind.rawValue) \(server)") }
    func projects(on server: String) async throws -> [String] {
        calls.append("projects \(server)")
        return projectsOnServer
    }
    func redeploy(_ project: String) async throws -> RecoveryStepResult { try step("redeploy \(project)") }
    func checkHealth(_ project: String) async throws -> RecoveryStepResult { try step("health \(project)") }
    func findRepo(_ project: String) async throws -> ForgeRepository? {
        calls.append("find \(project)")
        return repoOnForge
    }
    func recreateRepo(_ project: String) async throws -> RecoveryStepResult {
        let result = try step("recreate \(project)")
        if result.succeeded { repoOnForge = repoAfterRecreate }
        return result
    }
    func relink(_ project: String, to repo: ForgeRepository) async throws -> RecoveryStepResult {
        try step("relink \(project) \(repo.id)")
    }
}

struct RecoveryGraphTests {
    static func incident(_ kind: IncidentRecord.Kind, _ objectKind: String, _ name: String, id: Int64 = 1) -> IncidentRecord {
        IncidentRecord(id: id, kind: kind, severity: .critical, objectKind: objectKind, objectName: name, message: "broken",
            openedAt: Date(timeIntervalSince1970: 0))
    }

    @Test func eachIncidentKindHasItsDecision() {
        #expect(RecoveryDecision.decide(.serverUnreachable) == .reprovisionServer)
        #expect(RecoveryDecision.decide(.provisioningFailed) == .reprovisionServer)
        #expect(RecoveryDecision.decide(.serviceDown) == .redeployProject)
        #expect(RecoveryDecision.decide(.deployFailed) == .redeployProject)
        #expect(RecoveryDecision.decide(.repoMissing) == .restoreRepo)
        #expect(RecoveryDecision.decide(.hostKeyChanged) == .refuse)
        #expect(RecoveryDecision.refusal(Self.incident(.hostKeyChanged, "Server", "vps-1"))?.contains("spec.hostKey") == true)
        #expect(RecoveryDecision.refusal(Self.incident(.serviceDown, "Project", "hello")) == nil)
        #expect(RecoveryDecision.thread(incident: 42) == "recovery/42")
    }

    @Test func anUnreachableServerIsReprovisionedThenItsProjectsRedeployedAndChecked() async throws {
        let operations = ScriptedRecovery()
        let runner = RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: operations)
        let outcomes = try await runner.recover([Self.incident(.serverUnreachable, "Server", "vps-1", id: 7)])
        #expect(outcomes.map(\.status) == [.resolved])
        #expect(await operations.calls == [
            "check vps-1", "bootstrap vps-1", "provision vps-1", "projects vps-1", "redeploy hello", "redeploy bye",
            "projects vps-1", "health hello", "health bye",
        ])
        #expect(await operations.marks.map(\.1) == [.recovering, .resolved])
        #expect(await operations.marks.map(\.0) == [7, 7])
    }

    @Test func aFailedProvisioningStopsTheRecoveryAndFailsTheIncidentWithItsReason() async throws {
        let operations = ScriptedRecovery()
        await operations.script(failing: "provision vps-1", "task \"Install missing base packages\" failed")
        let outcomes = try await RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: operations)
            .recover([Self.incident(.provisioningFailed, "Server", "vps-1")])
        #expect(outcomes.map(\.status) == [.failed])
        #expect(outcomes[0].failure == "provision vps-1: task \"Install missing base packages\" failed")
        #expect(await operations.calls == ["check vps-1", "bootstrap vps-1", "provision vps-1"])
        #expect(await operations.marks.map(\.1) == [.recovering, .failed])
    }

    @Test func aServiceDownIsRedeployedAndCheckedAndAFailedHealthFailsIt() async throws {
        let operations = ScriptedRecovery()
        await operations.script(failing: "health hello", "http://10.0.0.2:8000/health: connection refused")
        let outcomes = try await RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: operations)
            .recover([Self.incident(.serviceDown, "Project", "hello")])
        #expect(await operations.calls == ["redeploy hello", "health hello"])
        #expect(outcomes.map(\.status) == [.failed])
        #expect(outcomes[0].failure?.contains("connection refused") == true)
    }

    @Test func aChangedHostKeyIsRefusedWithoutTouchingAnything() async throws {
        let operations = ScriptedRecovery()
        let outcomes = try await RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: operations)
            .recover([Self.incident(.hostKeyChanged, "Server", "vps-1")])
        #expect(outcomes.map(\.status) == [.failed])
        #expect(outcomes[0].failure?.contains("pin") == true)
        #expect(await operations.calls.isEmpty)
        // Refused, not failed: the incident stays open until the new key is pinned.
        #expect(await operations.marks.map(\.1) == [.detected])
    }

    @Test func aMissingRepoIsRelinkedWhenTheForgeHasItAgainElseRecreated() async throws {
        let back = ScriptedRecovery()
        await back.script(repoOnForge: ForgeRepository(id: 3, owner: "acme", name: "hello", cloneURL: "file:///x"))
        let relinked = try await RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: back)
            .recover([Self.incident(.repoMissing, "Project", "hello")])
        #expect(relinked.map(\.status) == [.resolved])
        #expect(await back.calls == ["find hello", "relink hello 3"])

        let gone = ScriptedRecovery()
        let recreated = try await RecoveryRunner(checkpointer: InMemoryCheckpointer(), operations: gone)
            .recover([Self.incident(.repoMissing, "Project", "hello")])
        #expect(recreated.map(\.status) == [.resolved])
        #expect(await gone.calls == ["find hello", "recreate hello", "find hello", "relink hello 9"])
    }

    @Test func aResumedRecoveryRepeatsNoFinishedEffect() async throws {
        let operations = ScriptedRecovery()
        await operations.script(crashOnce: "redeploy bye")
        let checkpointer = InMemoryCheckpointer()
        let runner = RecoveryRunner(checkpointer: checkpointer, operations: operations)
        let incident = Self.incident(.serverUnreachable, "Server", "vps-1", id: 4)
        let first = try await runner.recover([incident])
        #expect(first[0].status == nil)
        #expect(first[0].failure?.contains("killed during redeploy bye") == true)

        // The thread is unfinished: a closed incident (server_sync resolved it meanwhile) is still resumed.
        var closed = incident
        closed.status = .resolved
        #expect(try await runner.unfinished([closed]) == [closed])

        let second = try await runner.recover([incident])
        #expect(second[0].status == .resolved)
        #expect(try await runner.unfinished([closed]).isEmpty)
        // Check, bootstrap, provision and the first redeploy ran once; only the interrupted redeploy ran again.
        #expect(await operations.calls == [
            "check vps-1", "bootstrap vps-1", "provision vps-1", "projects vps-1", "redeploy hello", "redeploy bye",
            "redeploy bye", "projects vps-1", "health hello", "health bye",
        ])
        #expect(await operations.marks.map(\.1) == [.recovering, .resolved])

        // A completed thread is read back, not run again.
        let third = try await runner.recover([incident])
        #expect(third[0].status == .resolved)
        #expect(await operations.calls.count == 10)
    }
}
