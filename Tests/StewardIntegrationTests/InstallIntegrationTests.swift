import Foundation
import StewardCore
import StewardTestSupport
import Testing

/// Issue 17: `scripts/install.sh PREFIX` installs one self-contained binary (release, Swift standard library linked
/// statically), its man page and completions; the installed `steward` runs from `/` with no checkout, no Swift
/// toolchain and no `STEWARD_PLAYBOOKS`; `init` + `validate` work there; and the README's quickstart
/// (examples/quickstart/run.sh, which installs the same way) converges with it.
///
/// The release build takes about 8 minutes on 2 cores from nothing: `scripts/test.sh` starts it
/// (`install.sh --build-only`, at idle priority) beside the other tests and runs this suite last, when it is done.
@Suite(.serialized)
struct InstallIntegrationTests {
    @Test func theInstalledBinaryRunsFromAnywhereAndTheQuickstartConverges() async throws {
        try await StewardBinary.requireAnsible()
        let root = StewardBinary.repoRoot.path
        let prefix = try TemporaryDirectory(prefix: "steward-prefix")
        let install = try shell([root + "/scripts/install.sh", prefix.path], in: "/")
        #expect(install.status == 0, "install.sh failed:\n\(install.output)")
        let steward = prefix.path + "/bin/steward"
        for file in ["bin/steward", "share/man/man1/steward.1", "share/bash-completion/completions/steward",
                     "share/zsh/site-functions/_steward", "share/fish/vendor_completions.d/steward.fish"] {
            #expect(FileManager.default.fileExists(atPath: prefix.path + "/" + file), "\(file) installed")
        }

        // Only Debian's libraries: nothing from the Swift toolchain, nothing missing.
        let toolchain = try Self.swiftToolchainRoot()
        let ldd = try shell(["ldd", steward], in: "/")
        #expect(ldd.status == 0 && !ldd.output.contains("not found"), "\(ldd.output)")
        #expect(!ldd.output.contains(toolchain), "a library from the toolchain (\(toolchain)):\n\(ldd.output)")
        #expect(!ldd.output.contains("libswift") && !ldd.output.contains("libFoundation"), "\(ldd.output)")
        for library in ["libgit2", "libcurl", "libsqlite3", "libpq"] { #expect(ldd.output.contains(library), "\(library) linked") }

        // From `/`, with a PATH that has no Swift on it.
        let bare = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": prefix.path]
        let version = try shell([steward, "version"], in: "/", environment: bare)
        let head = try shell(["git", "-C", root, "rev-parse", "HEAD"], in: "/").output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.status == 0 && version.output.contains("commit:     \(head)"), "\(version.output)")
        #expect(try shell([steward, "--version"], in: "/", environment: bare).output == version.output)
        let man = try String(contentsOfFile: prefix.path + "/share/man/man1/steward.1", encoding: .utf8)
        #expect(man.contains(".Nm steward") && man.contains("reconcile"), "a man page for steward")
        let bash = try shell(["bash", "-c", "source \(prefix.path)/share/bash-completion/completions/steward && complete -p steward"], in: "/")
        #expect(bash.status == 0 && bash.output.contains("steward"), "\(bash.output)")

        // `init` then `validate` from `/`; `init` twice refuses.
        let work = try TemporaryDirectory(prefix: "steward-init")
        let config = work.path + "/config"
        let initialized = try shell([steward, "init", config], in: "/", environment: bare)
        #expect(initialized.status == 0 && initialized.output.contains("steward validate \(config)"), "\(initialized.output)")
        let validated = try shell([steward, "validate", config], in: "/", environment: bare)
        #expect(validated.status == 0 && validated.output.contains("0 errors"), "\(validated.output)")
        let again = try shell([steward, "init", config], in: "/", environment: bare)
        #expect(again.status == 1 && again.output.contains("already has .git"), "\(again.output)")

        // The README's quickstart with the installed binary (it installs into the same prefix: nothing to rebuild).
        let state = try TemporaryDirectory(prefix: "steward-quickstart")
        defer { Self.stopApps(in: state.url) }
        let port = try freePort()
        let quickstart = try shell([root + "/examples/quickstart/run.sh"], in: "/", environment: [
            "STEWARD_PREFIX": prefix.path, "STEWARD_QUICKSTART_STATE": state.path, "STEWARD_QUICKSTART_PORTS": "\(port)-\(port)",
        ])
        #expect(quickstart.status == 0, "the quickstart did not converge:\n\(quickstart.output)")
        #expect(quickstart.output.contains("exit code 0") && quickstart.output.contains("\"status\": \"ok\""), "\(quickstart.output)")
        #expect(quickstart.output.contains("Next: edit") && quickstart.output.contains("\(prefix.path)/bin/steward reconcile"))
        #expect(await httpGet("http://127.0.0.1:\(port)/")?.contains("hello from") == true)
        let folders = try FileManager.default.contentsOfDirectory(atPath: state.path + "/playbooks").filter { !$0.hasPrefix(".") }
        #expect(folders.count == 1 && folders[0].count == 64, "the built-in playbooks, in one folder named by their hash: \(folders)")

        // A wrong override says so instead of running something else.
        let broken = try shell([steward, "reconcile", "--once", "--config-repo", state.path + "/config", "--state-dir", state.path],
            in: "/", environment: bare.merging(["STEWARD_PLAYBOOKS": "/nonexistent"]) { $1 })
        #expect(broken.status == 1 && broken.output.contains("STEWARD_PLAYBOOKS=/nonexistent is not a playbooks directory"), "\(broken.output)")
    }

    /// The Swift toolchain's root folder (`/opt/swift` for `/opt/swift/usr/bin/swift`).
    static func swiftToolchainRoot() throws -> String {
        let swift = try shell(["sh", "-c", "readlink -f \"$(command -v swift)\""], in: "/").output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let root = URL(fileURLWithPath: swift).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        guard swift.hasPrefix("/"), root.count > 1 else {
            throw ShellError(command: ["swift"], status: -1, output: "swift is not on PATH: the install test builds with it")
        }
        return root
    }

    /// Stops the apps a quickstart state dir started.
    static func stopApps(in state: URL) {
        let apps = state.appendingPathComponent("apps")
        for project in (try? FileManager.default.contentsOfDirectory(atPath: apps.path)) ?? [] {
            killSupervisedApp(pidFile: apps.appendingPathComponent(project).appendingPathComponent("supervisor.pid").path)
        }
    }
}

/// Runs `argv` in `directory` with the test's environment minus Steward's overrides, plus `environment` (a PATH in it
/// replaces the whole environment); standard output and error together.
private func shell(_ argv: [String], in directory: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    var env = ProcessInfo.processInfo.environment
    for key in ["STEWARD_PLAYBOOKS", "STEWARD_TEMPLATES", "STEWARD_CONFIG_REPO"] { env[key] = nil }
    if environment["PATH"] != nil { env = [:] }
    for (key, value) in environment { env[key] = value }
    let launch = ProcessLaunch.searchingPath(argv, environment: env, workingDirectory: directory)
    let result = try ProcessGroupChild.runToEnd(launch, input: nil)
    return (result.status ?? -1, result.stdoutText + result.stderrText)
}
