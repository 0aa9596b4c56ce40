import Foundation
import Logging
import Testing
@testable import StewardCLI

/// Collects what the progress line writes.
final class Screen: @unchecked Sendable {
    private let lock = NSLock()
    private var written = ""
    var text: String { lock.withLock { written } }
    func write(_ bytes: String) { lock.withLock { written += bytes } }
}

struct ProgressLineTests {
    @Test func tasksReplaceOneLineAndLogLinesGoAboveIt() {
        let screen = Screen()
        let start = Date(timeIntervalSince1970: 1_000)
        let line = ProgressLine(width: 60, now: { start.addingTimeInterval(3) }) { screen.write($0) }
        line.task(project: "hello", name: "Check out the commit")
        line.task(project: "hello", name: "Start the app")
        line.print("INFO deploy done")
        line.finish(project: "hello")

        let text = screen.text
        // The second task clears the first (carriage return + erase line) rather than adding a line.
        #expect(text.hasPrefix("▸ hello 1 tasks · Check out the commit"))
        #expect(text.contains("\r\u{1B}[2K▸ hello 2 tasks · Start the app"))
        // A log line is printed on a cleared line, then the progress line is redrawn below it.
        #expect(text.contains("\r\u{1B}[2KINFO deploy done\n▸ hello 2 tasks"))
        // Once the run is over the line is cleared and nothing is redrawn.
        #expect(text.hasSuffix("\r\u{1B}[2K"))
        #expect(text.components(separatedBy: "\n").count == 2)
    }

    @Test func aLongLineIsCutToTheTerminalWidth() {
        let screen = Screen()
        let line = ProgressLine(width: 30) { screen.write($0) }
        line.task(project: "a-very-long-project-name", name: String(repeating: "x", count: 100))
        #expect(screen.text.count <= 30)
        #expect(screen.text.hasSuffix("…"))
    }

    @Test func taskLinesBecomeProgressOnlyForTextOnATerminal() {
        let screen = Screen()
        let progress = ProgressLine(width: 80) { screen.write($0) }
        let handler = StewardLogHandler(label: "t", format: .text, level: .info, progress: progress)
        handler.log(event: LogEvent(level: .info, message: "Start the app", metadata: ["project": "hello", "action": "ansible_task", "status": "changed"], source: "t", file: #file, function: #function, line: #line))
        #expect(screen.text.hasPrefix("▸ hello 1 tasks · Start the app"))
        // A failed task is a full log line, never only progress.
        handler.log(event: LogEvent(level: .info, message: "Wait for health", metadata: ["project": "hello", "action": "ansible_task", "status": "failed"], source: "t", file: #file, function: #function, line: #line))
        #expect(screen.text.contains("Wait for health action=ansible_task project=hello status=failed\n"))
        #expect(StewardLogHandler(label: "t", format: .json, level: .info, progress: progress).usesProgressLine == false)
    }
}
