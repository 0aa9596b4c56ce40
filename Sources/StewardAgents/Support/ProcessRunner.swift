import Foundation
import StewardCore

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
        var env = ProcessInfo.processInfo.environment
        for name in ["STEWARD_MASTER_KEY", "STEWARD_GIT_TOKEN", "GITHUB_TOKEN"] { env[name] = nil }
        for (key, value) in environment { env[key] = value }
        // The program leads its own process group, so a timeout kills whatever it started too.
        let launch = ProcessLaunch.searchingPath(arguments, environment: env, workingDirectory: directory.path)
        let output = try await ProcessGroupChild.run(launch, timeout: timeout, grace: .zero, outputLimit: 65_536, dieWithParent: true)
        return ProcessOutcome(status: output.status, output: output.interleavedText)
    }
}
