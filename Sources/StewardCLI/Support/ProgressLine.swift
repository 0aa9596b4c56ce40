import Foundation

/// The one-line progress display of a terminal: while Ansible runs, each task replaces the line
/// (`▸ hello 7 tasks · Wait for http://…/health 4s`) instead of adding one, and every other log line is
/// printed above it. Only used when stderr is a terminal and the format is text; pipes and CI logs keep
/// one line per task.
public final class ProgressLine: @unchecked Sendable {
    private struct Run {
        var tasks = 0
        var task = ""
        var startedAt = Date()
    }

    private let lock = NSLock()
    private var runs: [String: Run] = [:]
    private var shown = false
    private let write: @Sendable (String) -> Void
    private let width: Int
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - width: the terminal's columns; the line is cut to fit so it never wraps.
    ///   - write: where bytes go (stderr).
    public init(width: Int, now: @escaping @Sendable () -> Date = Date.init, write: @escaping @Sendable (String) -> Void) {
        self.width = max(20, width)
        self.now = now
        self.write = write
    }

    /// The line for stderr when it is a terminal, nil otherwise.
    public static func forStandardError() -> ProgressLine? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        var size = winsize()
        let columns = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 100
        return ProgressLine(width: columns) { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// A task of `project`'s run started or finished: the line shows it.
    public func task(project: String, name: String) {
        lock.withLock {
            var run = runs[project] ?? Run(startedAt: now())
            run.tasks += 1
            run.task = name
            runs[project] = run
            write(clearing() + render())
            shown = true
        }
    }

    /// `project`'s run is over: it leaves the line.
    public func finish(project: String) {
        lock.withLock {
            guard runs.removeValue(forKey: project) != nil else { return }
            let line = render()
            write(clearing() + line)
            shown = !line.isEmpty
        }
    }

    /// Prints a normal log line above the progress line.
    public func print(_ line: String) {
        lock.withLock {
            let progress = render()
            write(clearing() + line + "\n" + progress)
            shown = !progress.isEmpty
        }
    }

    private func clearing() -> String { shown ? "\r\u{1B}[2K" : "" }

    private func render() -> String {
        guard !runs.isEmpty else { return "" }
        let time = now()
        let parts = runs.keys.sorted().map { project -> String in
            let run = runs[project]!
            let seconds = Int(time.timeIntervalSince(run.startedAt))
            return "\(project) \(run.tasks) tasks · \(run.task) \(seconds)s"
        }
        let text = "▸ " + parts.joined(separator: "  |  ")
        return text.count > width - 1 ? String(text.prefix(width - 2)) + "…" : text
    }
}
