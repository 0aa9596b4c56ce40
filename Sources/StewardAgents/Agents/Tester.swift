import Foundation

/// Runs a repository's checks in a worktree, with a timeout.
///
/// The check is detected from the files: a Makefile with a `test:` target (`make test`), `Package.swift`
/// (`swift test`), `package.json` (`npm test`), pytest configuration (`python3 -m pytest`), else Python test
/// files (`python3 -m unittest`). A repository with none of them is reported as "no checks": a warning and
/// `Verified=Unknown`, not a failure (nothing proves it works, and nothing proves it does not).
public struct Tester: Sendable {
    public let timeout: Duration
    public let runner: ProcessRunner

    public init(timeout: Duration, runner: ProcessRunner = ProcessRunner()) {
        self.timeout = timeout
        self.runner = runner
    }

    /// The check command for the files in `worktree`, nil when none is found.
    public func detect(in worktree: URL) -> [String]? {
        func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: worktree.appendingPathComponent(name).path) }
        if let makefile = try? String(contentsOf: worktree.appendingPathComponent("Makefile"), encoding: .utf8),
            makefile.split(separator: "\n").contains(where: { $0.hasPrefix("test:") })
        {
            return ["make", "test"]
        }
        if exists("Package.swift") { return ["swift", "test"] }
        if exists("package.json") { return ["npm", "test"] }
        if exists("pytest.ini") || exists("conftest.py") { return ["python3", "-m", "pytest"] }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: worktree.path)) ?? []
        if exists("tests") || files.contains(where: { $0.hasPrefix("test_") && $0.hasSuffix(".py") }) {
            return ["python3", "-m", "unittest", "discover", "-v"]
        }
        return nil
    }

    /// Runs the detected check. - Returns: its report (a timeout is a failure; no check at all is `noChecks`).
    public func test(_ worktree: URL) async throws -> TestReport {
        guard let command = detect(in: worktree) else {
            return TestReport(command: "-", passed: true, output: "no checks found (Makefile test target, Package.swift, "
                + "package.json, pytest.ini, test_*.py): add tests so the Tester can verify the project", noChecks: true)
        }
        let outcome = try await runner.run(command, in: worktree, environment: ["PYTHONDONTWRITEBYTECODE": "1"], timeout: timeout)
        let tail = CommandDeveloper.tail(outcome.output, lines: 40)
        guard let status = outcome.status else {
            return TestReport(command: command.joined(separator: " "), passed: false, output: "timed out after \(timeout)\n\(tail)")
        }
        return TestReport(command: command.joined(separator: " "), passed: status == 0, output: "exit \(status)\n\(tail)")
    }
}
