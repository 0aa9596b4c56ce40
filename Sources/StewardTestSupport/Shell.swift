import Foundation
import StewardCore

/// Runs a program (argv, no shell) for test fixtures; throws with its output when it fails.
public struct ShellError: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32
    public var output: String

    public init(command: [String], status: Int32, output: String) {
        self.command = command
        self.status = status
        self.output = output
    }

    public var description: String { "\(command.joined(separator: " ")) exited \(status): \(output)" }
}

/// Runs `arguments` (first is looked up on PATH) in `directory`; returns stdout+stderr.
///
/// The wait happens off the cooperative pool (`BlockingWork`): tests run in parallel on one pool thread per
/// core, and a test waiting on `git` there would hold up every other test.
@discardableResult
public func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) async throws -> String {
    try await BlockingWork.run("steward.test.run") { try runBlocking(arguments, in: directory, environment: environment) }
}

/// `run`, waiting on the calling thread: only for code that cannot suspend (a `deinit`, a synchronous
/// initializer that tests do not call from the cooperative pool).
@discardableResult
///
/// The child is spawned with every other descriptor closed (`ProcessGroupChild`), never with Foundation's
/// `Process`: that one can hand a pipe another thread just made to a long-lived child, and the pipe's reader
/// then waits for that child to exit (docs/ARCHITECTURE.md, "Child processes").
public func runBlocking(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> String {
    let output = try ProcessGroupChild.runToEnd(testLaunch(arguments, in: directory, environment: environment))
    guard output.status == 0 else {
        throw ShellError(command: arguments, status: output.status ?? -1, output: output.interleavedText)
    }
    return output.interleavedText
}

/// How the test helpers start `arguments`: looked up on PATH, in `directory` (else the current one), with
/// this process's environment, a fixed git identity and `environment` on top.
public func testLaunch(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) -> ProcessLaunch {
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "Steward Test"
    env["GIT_AUTHOR_EMAIL"] = "test@steward.invalid"
    env["GIT_COMMITTER_NAME"] = "Steward Test"
    env["GIT_COMMITTER_EMAIL"] = "test@steward.invalid"
    for (key, value) in environment { env[key] = value }
    return ProcessLaunch.searchingPath(
        arguments, environment: env, workingDirectory: directory ?? FileManager.default.currentDirectoryPath
    )
}

/// The first line a child process writes to `pipe` (a server announcing its port), read off the cooperative
/// pool; empty when the child closed the pipe first.
public func firstLine(of pipe: Pipe) async throws -> String {
    try await BlockingWork.run("steward.test.first-line") {
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
