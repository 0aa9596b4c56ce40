import ArgumentParser
import Foundation
import StewardStore
import Testing
@testable import StewardCLI

/// `--store URL` on every command that opens the state: the flag wins over STEWARD_STORE_URL, which wins over the
/// state directory's SQLite file; a URL of another kind is refused before anything runs, without its password.
struct StoreOptionTests {
    @Test func theFlagChoosesTheStoreAndTheStateDirectoryIsTheDefault() throws {
        let url = "postgres://steward:pw@127.0.0.1:5432/steward"
        let chosen = try GlobalOptions.parse(["--store", url, "--state-dir", "/tmp/st"])
        #expect(try chosen.storeLocation() == .postgres(url: url))
        let sqlite = try GlobalOptions.parse(["--store", "sqlite:/var/lib/steward"])
        #expect(try sqlite.storeLocation() == .sqlite(directory: URL(fileURLWithPath: "/var/lib/steward")))
        if ProcessInfo.processInfo.environment["STEWARD_STORE_URL"] == nil {
            #expect(try GlobalOptions.parse(["--state-dir", "/tmp/st"]).storeLocation() == .sqlite(directory: URL(fileURLWithPath: "/tmp/st")))
        }
    }

    @Test func aWrongURLIsRefusedWithoutItsPassword() {
        let error = #expect(throws: (any Error).self) { try GlobalOptions.parse(["--store", "mysql://root:hunter2@db/x"]) }
        let text = error.map { GlobalOptions.fullMessage(for: $0) } ?? ""
        #expect(text.contains("--store"))
        #expect(text.contains("sqlite:DIR"))
        #expect(!text.contains("hunter2"))
    }

    @Test func everyCommandThatOpensTheStateTakesTheFlag() {
        let commands: [any ParsableCommand.Type] = [
            ReconcileCommand.self, RunCommand.self, SyncCommand.self, GetCommand.self, DescribeCommand.self, HistoryCommand.self,
            LogsCommand.self, AnswerCommand.self, FixCommand.self, StatusCommand.self, EventsCommand.self, WaitCommand.self,
            SuspendCommand.self, ResumeCommand.self, RollbackCommand.self, DiffCommand.self, DriftCommand.self,
            SecretCommand.Set.self, SecretCommand.List.self, SecretCommand.Remove.self,
        ]
        for command in commands {
            #expect(StewardCommand.helpMessage(for: command, columns: 200).contains("--store <url>"), "\(command)")
        }
    }
}
