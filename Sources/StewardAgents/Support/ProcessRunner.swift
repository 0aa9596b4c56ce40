import Foundation

/// The result of a program the agents ran.
public struct ProcessOutcome: Sendable, Hashable {
    /// The exit status; nil when the program was killed after its timeout.
    public var status: Int32?
    /// stdout and stderr, interleaved, at most the last 64 KiB.
    public var output: String

    /// Whether it exited 0.
    public var succeeded: Bool { status == 0 }
}

/// Runs a program in a directory with a timeout: its own process group, killed whole when the time is up.
public struct ProcessRunner: Sendable {
    public init() {}

    /// Runs `arguments` (argv, no shell unless it is the program) in `directory`.
    /// - Parameters:
    ///   - environment: added to this process's environment.
    ///   - timeout: after it the process group gets SIGKILL and `status` is nil.
    public func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], timeout: Duration
    ) async throws -> ProcessOutcome {
        let process = Process()
        // Foundation spawns the program as the leader of its own process group (pgid = pid), so a timeout
        // kills whatever it started too. `env` finds the program on PATH.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for name in ["STEWARD_MASTER_KEY", "STEWARD_GIT_TOKEN", "GITHUB_TOKEN"] { env[name] = nil }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("steward-agent-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let handle = try FileHandle(forWritingTo: output)
        defer {
            try? handle.close()
            try? FileManager.default.removeItem(at: output)
        }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var timedOut = false
        while process.isRunning {
            if clock.now >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        process.waitUntilExit()
        let data = (try? Data(contentsOf: output)) ?? Data()
        let tail = String(decoding: data.suffix(65_536), as: UTF8.self)
        return ProcessOutcome(status: timedOut ? nil : process.terminationStatus, output: tail)
    }
}
