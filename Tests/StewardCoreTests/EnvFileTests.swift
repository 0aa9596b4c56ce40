import Foundation
import StewardModel
import StewardTestSupport
import Testing

/// `.env`: rendered in one place (EnvFile), parsed in one place (the supervisor's `parse_env_file`, run here by
/// the real python3), and every value comes back as it went in: a secret with a newline is never a second
/// variable.
struct EnvFileTests {
    static let supervisorDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("playbooks/files").path

    /// The variables the supervisor reads from `text` as a `.env` file.
    private func supervisorReads(_ text: String) async throws -> [String: String] {
        let directory = try TemporaryDirectory(prefix: "steward-env")
        let file = try directory.write(".env", text)
        let output = try await run(["python3", "-c", """
            import json, sys
            sys.path.insert(0, sys.argv[1])
            import steward_supervise
            print(json.dumps(steward_supervise.parse_env_file(sys.argv[2])))
            """, Self.supervisorDirectory, file.path])
        return try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
    }

    @Test func everyValueRoundTripsThroughTheSupervisor() async throws {
        let values = [
            "MULTI": "first\nINJECTED=yes",
            "QUOTES": "say \"hi\" and 'bye'",
            "EQUALS": "a=b=c",
            "HASH": "# not a comment",
            "DOLLAR": "$HOME ${HOME} ${secret:x}",
            "SPACES": "  padded  ",
            "UNICODE": "grüße ✓ 日本 \u{202E}",
            "CONTROL": "tab\there\rcr\u{1B}esc\u{0}nul",
            "BACKSLASH": "C:\\path\\n",
            "EMPTY": "",
        ]
        let template = values.keys.sorted().map { "\($0)=${secret:\($0)}" }.joined(separator: "\n")
        let rendered = EnvFile.render(template, secrets: values)
        #expect(rendered.split(separator: "\n").count == values.count, "one line per variable:\n\(rendered)")
        #expect(try await supervisorReads(rendered) == values)
    }

    @Test func theTemplateIsReadAsDocumented() async throws {
        let template = """
            # a comment
            LOG_LEVEL=info

            export GREETING = "hello, world"
            SINGLE='it is # not a comment'
            TOKEN=Bearer ${secret:token}
            LOG_LEVEL=debug
            """
        let rendered = EnvFile.render(template, secrets: ["token": "t0k\"en"])
        #expect(rendered == """
            LOG_LEVEL="info"
            GREETING="hello, world"
            SINGLE="it is # not a comment"
            TOKEN="Bearer t0k\\"en"
            LOG_LEVEL="debug"

            """)
        #expect(try await supervisorReads(rendered) == [
            "LOG_LEVEL": "debug", "GREETING": "hello, world", "SINGLE": "it is # not a comment", "TOKEN": "Bearer t0k\"en",
        ])
        #expect(EnvFile.parse(template).problems.isEmpty)
    }

    @Test func olderPlainEnvFilesAreStillRead() async throws {
        #expect(try await supervisorReads("A=plain\nB='quoted'\nC=\"not json\\q\"\nnoequals\n") == [
            "A": "plain", "B": "quoted", "C": "not json\\q",
        ])
    }
}
