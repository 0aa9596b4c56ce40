import ArgumentParser
import Foundation
@testable import StewardCLI
import StewardModel
import Testing

struct ValidateOutputTests {
    let findings = [
        Diagnostic.error(at: SourceLocation(file: "manifests/a,b.yaml", line: 3, column: 7), "bad: 100% wrong\nsecond line"),
        Diagnostic(.warning, at: SourceLocation(file: "manifests/b.yaml", line: 1, column: 1), "careful"),
    ]

    @Test func textIsTheCompilerFormatWithASummary() {
        #expect(ValidateCommand.render(findings, format: .text, files: 2) == """
            manifests/a,b.yaml:3:7: error: bad: 100% wrong\\u{A}second line
            manifests/b.yaml:1:1: warning: careful
            1 error, 1 warning in 2 files

            """)
    }

    @Test func githubAnnotationsEscapeDataAndProperties() {
        #expect(ValidateCommand.render(findings, format: .github, files: 2) == """
            ::error file=manifests/a%2Cb.yaml,line=3,col=7::bad: 100%25 wrong%0Asecond line
            ::warning file=manifests/b.yaml,line=1,col=1::careful

            """)
    }

    @Test func jsonCarriesTheSameFindings() throws {
        let text = ValidateCommand.render(findings, format: .json, files: 2)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["errors"] as? Int == 1)
        #expect(object["warnings"] as? Int == 1)
        let first = try #require((object["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["file"] as? String == "manifests/a,b.yaml")
        #expect(first["line"] as? Int == 3)
        #expect(first["column"] as? Int == 7)
        #expect(first["severity"] as? String == "error")
    }

    @Test func commandLineMistakesAreUsageErrors() {
        #expect(throws: (any Error).self) { try StewardCommand.parseAsRoot(["reconcile"]) }
        #expect(throws: (any Error).self) { try StewardCommand.parseAsRoot(["get", "projects", "--log-format", "xml"]) }
        #expect(throws: (any Error).self) { try StewardCommand.parseAsRoot(["get", "widgets"]) }
        #expect((try? StewardCommand.parseAsRoot(["reconcile", "--once", "--dry-run", "--project", "hello"])) != nil)
        // An empty answer is refused, not taken for guidance or a change description.
        #expect(throws: (any Error).self) { try StewardCommand.parseAsRoot(["answer", "hello", ""]) }
        #expect(throws: (any Error).self) { try StewardCommand.parseAsRoot(["answer", "hello", "  \n"]) }
        #expect((try? StewardCommand.parseAsRoot(["answer", "hello", "skip"])) != nil)
    }

    @Test func tablesAlignColumns() {
        var table = TextTable(header: ["NAME", "PHASE"])
        table.rows = [["hello", "active"], ["a-much-longer-name", "draft"]]
        #expect(table.render() == "NAME                 PHASE\nhello                active\na-much-longer-name   draft")
    }

    @Test func logLinesAreStructured() {
        #expect(StewardLogHandler.quoteIfNeeded("plain") == "plain")
        #expect(StewardLogHandler.quoteIfNeeded("two words") == "\"two words\"")
        #expect(StewardLogHandler.quoteIfNeeded("say \"hi\"\n") == "\"say \\\"hi\\\"\\n\"")
    }

    @Test func ansibleDoesNotInheritStewardsCredentials() {
        setenv("STEWARD_GIT_TOKEN", "t0ken", 1)
        defer { unsetenv("STEWARD_GIT_TOKEN") }
        #expect(Wiring.playbookEnvironment()["STEWARD_GIT_TOKEN"] == nil)
        #expect(Wiring.playbookEnvironment()["PATH"] != nil)
    }
}

/// Names, messages and answers with control characters are shown, never acted on by the terminal.
struct TerminalSafetyTests {
    @Test func controlCharactersAreEscapedAndOneValueStaysOneLine() {
        #expect("plain text, ünïcode ✓".escapingControlCharacters() == "plain text, ünïcode ✓")
        #expect("a\u{1B}[31mred\u{0}\r\nb\u{202E}c".escapingControlCharacters() == "a\\u{1B}[31mred\\u{0}\\u{D}\\u{A}b\\u{202E}c")
        #expect("q1\nq2\u{1B}".escapingControlCharacters(keepingNewlines: true) == "q1\nq2\\u{1B}")
        #expect("tab\tkept".escapingControlCharacters() == "tab\tkept")
    }

    @Test func aMessageCannotForgeADiagnosticLine() {
        let forged = Diagnostic.error(
            at: SourceLocation(file: "manifests/a.yaml", line: 2, column: 3),
            "bad \u{1B}[2K\rmanifests/ok.yaml:1:1: error: forged\nmanifests/b.yaml:9:9: error: forged too")
        let text = ValidateCommand.render([forged], format: .text, files: 1)
        #expect(text.split(separator: "\n").count == 2, "one diagnostic line and the summary:\n\(text)")
        #expect(text.contains("\\u{1B}[2K\\u{D}manifests/ok.yaml") && text.contains("\\u{A}manifests/b.yaml"))
        let github = ValidateCommand.render([forged], format: .github, files: 1)
        #expect(github.split(separator: "\n").count == 1 && github.contains("\\u{1B}") && github.contains("%0A"))
    }

    @Test func tableCellsAreEscaped() {
        var table = TextTable(header: ["NAME", "MESSAGE"])
        table.rows.append(["x\u{1B}]0;title\u{7}", "ok"])
        #expect(!table.render().contains("\u{1B}") && table.render().contains("\\u{1B}]0;title\\u{7}"))
    }
}

/// A state dir whose database is gone (or empty) next to other state is named as such, not silently new.
struct StateWithoutDatabaseTests {
    @Test func leftoversWithoutADatabaseAreNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-nodb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        #expect(Wiring.stateWithoutDatabase(directory) == nil, "a new, empty state dir")
        // The config repo's cache alone is what `validate` leaves: not a sign of lost state.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("config-repo.git"), withIntermediateDirectories: true)
        #expect(Wiring.stateWithoutDatabase(directory) == nil)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("runs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("bundles"), withIntermediateDirectories: true)
        #expect(Wiring.stateWithoutDatabase(directory) == ["runs", "bundles"])
        FileManager.default.createFile(atPath: directory.appendingPathComponent("steward.db").path, contents: Data())
        #expect(Wiring.stateWithoutDatabase(directory) == ["runs", "bundles"], "0 bytes is no database")
        try Data("SQLite format 3\u{0}".utf8).write(to: directory.appendingPathComponent("steward.db"))
        #expect(Wiring.stateWithoutDatabase(directory) == nil)
    }
}
