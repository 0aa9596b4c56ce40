import Foundation
import StewardTestSupport

/// The quickstart on a private state dir and port: a config repo (work tree + bare remote) made from
/// `examples/quickstart/config`, and the example app published on the local forge.
final class QuickstartFixture: @unchecked Sendable {
    let config: GitFixture
    let state: TemporaryDirectory
    let app: GitFixture
    let port: Int

    init() async throws {
        config = try await GitFixture()
        state = try TemporaryDirectory(prefix: "steward-state")
        app = try await GitFixture()
        port = try freePort()
        let examples = StewardBinary.repoRoot.appendingPathComponent("examples/quickstart")
        try copyTree(examples.appendingPathComponent("config"), into: config.workTree)
        let local = try String(contentsOfFile: config.workTree + "/manifests/local.yaml", encoding: .utf8)
        try config.write("manifests/local.yaml", local.replacingOccurrences(of: "18080-18089", with: "\(port)-\(port)"))
        try await config.commit("quickstart")
        try copyTree(examples.appendingPathComponent("app"), into: app.workTree)
        try await app.commit("hello app")
        // The local forge is a directory of bare repos under the state dir: quickstart/hello.git.
        let forge = state.url.appendingPathComponent("forge/quickstart")
        try FileManager.default.createDirectory(at: forge, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: forge.appendingPathComponent("hello.git").path, withDestinationPath: app.bare)
    }

    /// Writes `manifests/edge.yaml`: a second local Server `edge` with one free port of its own, then `documents`
    /// (more manifests, each starting with `---`). - Returns: edge's port.
    func writeEdgeServer(labels: String = "{}", then documents: String) throws -> Int {
        let port = try freePort()
        try config.write("manifests/edge.yaml", """
            apiVersion: steward/v1
            kind: Server
            metadata: {name: edge, labels: \(labels)}
            spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 256, ports: "\(port)-\(port)"}}
            \(documents)
            """)
        return port
    }

    var stateArguments: [String] { ["--state-dir", state.path] }
    var configArguments: [String] { ["--config-repo", config.bare, "--state-dir", state.path] }

    func reconcile(_ extra: [String] = []) throws -> StewardBinary.Result {
        try StewardBinary.run(["reconcile", "--once"] + configArguments + extra)
    }

    /// Stops every app this fixture's state dir started (supervisor pid files), whatever the test did.
    func stopApps() {
        let apps = state.url.appendingPathComponent("apps")
        for project in (try? FileManager.default.contentsOfDirectory(atPath: apps.path)) ?? [] {
            killSupervisedApp(pidFile: apps.appendingPathComponent(project).appendingPathComponent("supervisor.pid").path)
        }
    }

    deinit { stopApps() }
}

/// Kills a supervisor and its app (its process group), whatever a test did. The pid file is the supervisor's
/// JSON (`{"pid": …, "pgid": …}`) or, from older supervisors, a bare pid.
func killSupervisedApp(pidFile: String) {
    guard let data = FileManager.default.contents(atPath: pidFile) else { return }
    var ids: [Int32] = []
    if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
        ids = ["pgid", "pid"].compactMap { (object[$0] as? NSNumber)?.int32Value }
    } else if let pid = Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
        ids = [pid]
    }
    for id in ids where id > 1 {
        kill(-id, SIGKILL)
        kill(id, SIGKILL)
    }
}

func copyTree(_ source: URL, into destination: String) throws {
    for item in try FileManager.default.contentsOfDirectory(atPath: source.path) where item != "__pycache__" {
        let target = URL(fileURLWithPath: destination).appendingPathComponent(item)
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.copyItem(at: source.appendingPathComponent(item), to: target)
    }
}
