import ArgumentParser
import Foundation
import StewardTestSupport
import Testing
@testable import StewardCLI

/// Issue 17: `steward version`, `steward init` and `steward completion`, run in-process.
struct VersionInitCompletionTests {
    @Test func versionNamesTheBuildAndTheLibrariesItRunsWith() throws {
        let report = VersionReport.current
        #expect(report.commit == "unknown" || (report.commit.count == 40 && report.commit.allSatisfy(\.isHexDigit)))
        #expect(!report.version.isEmpty && !report.buildDate.isEmpty)
        #expect(report.swift.hasPrefix("Swift version 6"), "\(report.swift)")
        let dotted = /\d+\.\d+\.\d+/
        for library in ["libgit2", "libcurl", "sqlite"] {
            #expect(report.libraries[library]?.firstMatch(of: dotted) != nil, "\(library): \(report.libraries[library] ?? "-")")
        }
        #expect(report.libraries["libyaml"]?.contains("compiled in (Yams ") == true)
        let lines = report.text.split(separator: "\n").map(String.init)
        #expect(lines.first == "steward \(report.version)")
        for label in ["commit:", "built:", "swift:", "libgit2:", "libcurl:", "libyaml:", "sqlite:"] {
            #expect(lines.contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }, "\(label) in \(report.text)")
        }
        // `steward --version` prints the same text.
        #expect(StewardCommand.configuration.version == report.text)
        #expect(try StewardCommand.parseAsRoot(["version", "-o", "json"]) is VersionCommand)
    }

    @Test func initWritesACommittedConfigRepoThatValidates() async throws {
        let work = try TemporaryDirectory(prefix: "steward-init")
        let directory = work.url.appendingPathComponent("config/new").path
        var command = try InitCommand.parse([directory])
        try command.run()
        for path in ["steward.yaml", "manifests/local.yaml", "manifests/hello.yaml", ".gitignore", ".github/workflows/steward.yml",
                     ".github/actionlint.yaml"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + path), "\(path)")
        }
        #expect(try run(["git", "-C", directory, "status", "--porcelain"]).isEmpty, "the working tree is the commit")
        #expect(try run(["git", "-C", directory, "rev-parse", "--abbrev-ref", "HEAD"]) == "main")
        #expect(try run(["git", "-C", directory, "rev-list", "--count", "HEAD"]) == "1")
        #expect(try run(["git", "-C", directory, "ls-files"]).split(separator: "\n").count == 6)

        let validate = try ValidateCommand.parse([directory])
        try await validate.run()   // throws ExitCode(1) on any error

        // Twice: refused, and nothing changes.
        let before = try run(["git", "-C", directory, "rev-parse", "HEAD"])
        #expect(throws: CommandFailure.self) { var again = try InitCommand.parse([directory]); try again.run() }
        #expect(try run(["git", "-C", directory, "rev-parse", "HEAD"]) == before)
        #expect(try run(["git", "-C", directory, "status", "--porcelain"]).isEmpty)
    }

    @Test func initRefusesADirectoryHoldingAnyOfItsFilesAndWritesNothing() throws {
        let work = try TemporaryDirectory(prefix: "steward-init")
        try FileManager.default.createDirectory(at: work.url.appendingPathComponent("manifests"), withIntermediateDirectories: true)
        try Data("mine: true\n".utf8).write(to: work.url.appendingPathComponent("manifests/hello.yaml"))
        let failure = #expect(throws: CommandFailure.self) { var command = try InitCommand.parse([work.path]); try command.run() }
        #expect(failure?.description.contains("manifests/hello.yaml") == true)
        #expect(try String(contentsOf: work.url.appendingPathComponent("manifests/hello.yaml"), encoding: .utf8) == "mine: true\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["manifests"], "no .git, no steward.yaml")
    }

    @Test func initQuotesTheDirectoryInTheCommandsItPrints() {
        #expect(InitCommand.shellQuoted("my-config") == "my-config")
        #expect(InitCommand.shellQuoted("/tmp/a b") == "'/tmp/a b'")
        #expect(InitCommand.shellQuoted("it's") == #"'it'\''s'"#)
    }

    @Test func completionScriptsForEveryShellKnowTheSubcommands() throws {
        let bash = StewardCommand.completionScript(for: .bash)
        let zsh = StewardCommand.completionScript(for: .zsh)
        let fish = StewardCommand.completionScript(for: .fish)
        #expect(bash.contains("complete") && bash.contains("steward"))
        #expect(zsh.hasPrefix("#compdef steward"))
        #expect(fish.contains("complete -c 'steward'"))
        for script in [bash, zsh, fish] {
            for subcommand in ["reconcile", "init", "version", "drift", "completion"] {
                #expect(script.contains(subcommand), "\(subcommand)")
            }
        }
        #expect(try StewardCommand.parseAsRoot(["completion", "zsh"]) is CompletionCommand)
    }

    /// Runs a command; its trimmed standard output.
    private func run(_ argv: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
