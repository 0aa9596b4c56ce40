import Foundation
import StewardCore
import StewardTestSupport
import Testing

/// Runs the built `steward` executable as a real process, as a user or CI would.
struct StewardBinary {
    /// Output and exit status of one invocation.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The `steward` binary next to the test bundle (`swift test` builds it), else in `.build/debug`.
    static func path() throws -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundleDirectory.appendingPathComponent("steward"),
                          bundleDirectory.deletingLastPathComponent().appendingPathComponent("steward"),
                          repoRoot.appendingPathComponent(".build/debug/steward")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate.path
        }
        throw ShellError(command: ["steward"], status: -1, output: "the steward executable was not built: run `swift build` first")
    }

    /// Fails the test, saying what to install, when ansible-playbook is missing (never a silent skip).
    static func requireAnsible() async throws {
        do {
            try run(["ansible-playbook", "--version"])
        } catch {
            Issue.record("ansible-playbook is required by the integration tests: apt-get install ansible-core")
            throw error
        }
    }

    /// Starts `steward` in the background (for tests that kill or signal it); output goes to `output`.
    static func start(_ arguments: [String], environment: [String: String] = [:], output: FileHandle = FileHandle.nullDevice) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path())
        process.arguments = arguments
        // The playbooks built into the binary, as users run it (a unit test holds them equal to playbooks/).
        var env = ProcessInfo.processInfo.environment
        env["STEWARD_PLAYBOOKS"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Runs `steward` with `directory` mounted read-only over itself, in a mount namespace of its own (the mount ends
    /// with the process; needs root and util-linux's `unshare`, as the test hosts do).
    static func runOnReadOnly(_ directory: String, _ arguments: [String], input: String? = nil) throws -> Result {
        let script = #"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@""#
        return try run(arguments, input: input, wrappedIn: ["/usr/bin/unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", directory])
    }

    @discardableResult
    static func run(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil, wrappedIn wrapper: [String] = [],
        workingDirectory: String = FileManager.default.currentDirectoryPath, executable: String? = nil
    ) throws -> Result {
        let executable = try executable ?? path()
        // The playbooks built into the binary, as users run it (a unit test holds them equal to playbooks/).
        var env = ProcessInfo.processInfo.environment
        env["STEWARD_PLAYBOOKS"] = nil
        for (key, value) in environment { env[key] = value }
        let argv = wrapper + [executable] + arguments
        let launch = ProcessLaunch(
            executable: argv[0], arguments: argv, environment: env, workingDirectory: workingDirectory
        )
        let output = try ProcessGroupChild.runToEnd(launch, input: input.map { Array($0.utf8) })
        return Result(status: output.status ?? -1, stdout: output.stdoutText, stderr: output.stderrText)
    }
}

/// A free TCP port on 127.0.0.1 (bound and released), so parallel tests never share app ports.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw ShellError(command: ["bind"], status: errno, output: "cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// `GET` through curl: the body, or nil when nothing answers.
func httpGet(_ url: String) async -> String? {
    try? await run(["curl", "-fsS", "--max-time", "5", url])
}
