import Foundation
import StewardTestSupport
import Testing

/// `steward run`: the controller keeps reconciling (a commit made while it runs is deployed without
/// anyone calling it) and stops gracefully on SIGTERM.
struct RunCommandIntegrationTests {
    @Test func theControllerDeploysNewCommitsByItselfAndStopsOnSIGTERM() async throws {
        try await StewardBinary.requireAnsible()
        let fixture = try await QuickstartFixture()
        defer { fixture.stopApps() }

        let log = fixture.state.url.appendingPathComponent("run.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = try StewardBinary.start(["run", "--interval", "1"] + fixture.configArguments,
                                              output: try FileHandle(forWritingTo: log))
        defer { if process.isRunning { process.terminate(); kill(process.processIdentifier, SIGKILL) } }

        func waitFor(_ what: String, _ condition: () async -> Bool) async -> Bool {
            do {
                try await waitUntil(what, every: .milliseconds(200),
                    detail: { "log:\n\((try? String(contentsOf: log, encoding: .utf8)) ?? "")" }) { await condition() }
                return true
            } catch {
                Issue.record(error)
                return false
            }
        }

        let url = "http://127.0.0.1:\(fixture.port)/"
        guard await waitFor("the first deploy", { await httpGet(url)?.contains("hello from") == true }) else { return }
        let manifest = try String(contentsOfFile: fixture.config.workTree + "/manifests/hello.yaml", encoding: .utf8)
        try fixture.config.write("manifests/hello.yaml", manifest.replacingOccurrences(of: "GREETING=hello", with: "GREETING=hola"))
        try await fixture.config.commit("greeting while the controller runs")
        guard await waitFor("the commit to be deployed", { await httpGet(url)?.contains("hola from") == true }) else { return }

        // With nothing new, the next pass runs no playbook.
        guard await waitFor("an idle pass", {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("reconcile finished: nothing changed, 0 ansible-playbook runs")
        }) else { return }
        // SIGHUP (a closed terminal, or "re-read now") starts the next pass at once and never stops the controller.
        let passes = { ((try? String(contentsOf: log, encoding: .utf8)) ?? "").components(separatedBy: "finished: ").count - 1 }
        let before = passes()
        kill(process.processIdentifier, SIGHUP)
        guard await waitFor("a pass after SIGHUP", {
            ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("SIGHUP: the next pass starts") && passes() > before
        }) else { return }
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGTERM)
        guard await waitFor("a graceful stop", { !process.isRunning }) else { return }
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("controller started"))
        #expect(text.contains("controller stopped by signal 15"))
        // The state dir is not left locked: a one-shot pass runs at once.
        let after = try fixture.reconcile()
        #expect(after.status == 0)
        #expect(!after.stderr.contains("waiting for it"))
    }
}
