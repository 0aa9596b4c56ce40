import Foundation
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// `deploy_project.yml` in Ansible check mode (`--check --diff`), Steward's drift check: on an untouched deploy
/// nothing would change; files edited on the host are reported with their diffs (never a `.env` value), nothing on
/// the host changes, and a deploy with the same inputs puts everything back.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DriftCheckPlaybookTests {
    @Test func recreateEditsOnTheHostAreReportedAndADeployRestoresThem() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "drifting")
        let commit = try await deployment.repository.commit()
        let secret = "tok-\(UUID().uuidString.prefix(8))"
        let env = "GREETING=hello\nAPI_TOKEN=\(secret)\n"
        let deployed = try await deployment.deploy(commit: commit, env: env, secrets: [secret])
        #expect(deployed.status == .succeeded, "\(deployed.failedTask ?? "") \(deployed.tasks.last?.message ?? "")")
        let supervisor = deployment.supervisorPid()

        let untouched = try await deployment.deploy(commit: commit, env: env, secrets: [secret], checkMode: true)
        #expect(untouched.status == .succeeded, "\(untouched.failedTask ?? "") \(untouched.tasks.last { $0.status == .failed }?.message ?? "")")
        #expect(untouched.tasks.filter(\.changed).map(\.task) == [], "an untouched host has no drift")

        // Someone edits the host: a value and a new key in .env, a file of the release, the supervisor.
        let envFile = deployment.projectDirectory.appendingPathComponent(".env")
        try "GREETING=hacked\nAPI_TOKEN=\(secret)\nDEBUG=1\n".write(to: envFile, atomically: true, encoding: .utf8)
        let appFile = deployment.projectDirectory.appendingPathComponent("releases/\(commit)/app.py")
        let app = try String(contentsOf: appFile, encoding: .utf8)
        try (app + "\n# patched on the host\n").write(to: appFile, atomically: true, encoding: .utf8)
        let supervisorFile = deployment.projectDirectory.appendingPathComponent("steward_supervise.py")
        let supervisorText = try String(contentsOf: supervisorFile, encoding: .utf8)
        try (supervisorText + "\n# patched\n").write(to: supervisorFile, atomically: false, encoding: .utf8)

        let drifted = try await deployment.deploy(commit: commit, env: env, secrets: [secret], checkMode: true)
        #expect(drifted.status == .succeeded, "\(drifted.failedTask ?? "") \(drifted.tasks.last { $0.status == .failed }?.message ?? "")")
        let changed = Dictionary(drifted.tasks.filter(\.changed).map { ($0.task, $0.diff ?? "") }, uniquingKeysWith: { first, _ in first })
        #expect(Set(changed.keys) == [
            "Write the .env file", "Check out the commit", "Install the supervisor", "Report that a deploy would restart the app",
        ], "\(changed.keys.sorted())")
        #expect(changed["Write the .env file"] == "-DEBUG (added on the host)\n~GREETING (value changed on the host)")
        #expect(changed["Check out the commit"]?.contains("+# patched on the host") == true, "\(changed["Check out the commit"] ?? "")")
        #expect(changed["Install the supervisor"]?.contains("-# patched") == true, "\(changed["Install the supervisor"] ?? "")")
        #expect(changed["Report that a deploy would restart the app"]?.contains("would restart drifting") == true)
        for task in drifted.tasks {
            #expect(!(task.diff ?? "").contains("hacked") && !(task.diff ?? "").contains(secret) && !(task.message ?? "").contains(secret))
        }
        // A check changes nothing.
        #expect(try String(contentsOf: envFile, encoding: .utf8).contains("GREETING=hacked"))
        #expect(try String(contentsOf: appFile, encoding: .utf8).contains("# patched on the host"))
        #expect(deployment.supervisorPid() == supervisor)

        let healed = try await deployment.deploy(commit: commit, env: env, secrets: [secret])
        #expect(healed.status == .succeeded)
        #expect(try String(contentsOf: envFile, encoding: .utf8) == env)
        #expect(!(try String(contentsOf: appFile, encoding: .utf8)).contains("# patched on the host"))
        let clean = try await deployment.deploy(commit: commit, env: env, secrets: [secret], checkMode: true)
        #expect(clean.status == .succeeded)
        #expect(clean.tasks.filter(\.changed).map(\.task) == [])
    }

    @Test func blueGreenAnEditedNginxSiteIsReported() async throws {
        try AnsibleTestSupport.requireAnsible()
        let deployment = try await ProjectDeployment(project: "drifting-bg")
        let commit = try await deployment.repository.commit()
        let deployed = try await deployment.deploy(commit: commit, strategy: "blueGreen")
        #expect(deployed.status == .succeeded, "\(deployed.failedTask ?? "") \(deployed.tasks.last?.message ?? "")")

        let untouched = try await deployment.deploy(commit: commit, strategy: "blueGreen", checkMode: true)
        #expect(untouched.status == .succeeded, "\(untouched.failedTask ?? "") \(untouched.tasks.last { $0.status == .failed }?.message ?? "")")
        #expect(untouched.tasks.filter(\.changed).map(\.task) == [])

        let site = try String(contentsOfFile: deployment.siteFile, encoding: .utf8)
        try site.replacingOccurrences(of: "proxy_http_version 1.1;", with: "proxy_http_version 1.0;")
            .write(toFile: deployment.siteFile, atomically: true, encoding: .utf8)
        let drifted = try await deployment.deploy(commit: commit, strategy: "blueGreen", checkMode: true)
        #expect(drifted.status == .succeeded, "\(drifted.failedTask ?? "") \(drifted.tasks.last { $0.status == .failed }?.message ?? "")")
        let changed = drifted.tasks.filter(\.changed)
        #expect(changed.count == 1 && changed[0].task.hasPrefix("Compare the nginx site"), "\(changed.map(\.task))")
        #expect(changed.first?.diff?.contains("-        proxy_http_version 1.0;") == true, "\(changed.first?.diff ?? "")")
        #expect(changed.first?.diff?.contains("+        proxy_http_version 1.1;") == true)
        #expect(try String(contentsOfFile: deployment.siteFile, encoding: .utf8).contains("1.0;"), "a check changes nothing")
    }
}
