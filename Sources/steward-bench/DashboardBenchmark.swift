import Foundation
import StewardCore
import StewardHTTP
import StewardModel
import StewardStore
import StewardTestSupport

/// `steward-bench dashboard [PROJECTS]`'s child (issue 15's performance targets): the controller on the converged fleet
/// with its HTTP server, asked for the dashboard's pages over libcurl (time to the last byte on loopback bounds the
/// server-side render), then the live log in headless Chromium (`scripts/browser.py watch`) while the journal grows
/// by 500 lines a second: how many rows the page holds, how far behind the newest line it shows, and its heap.
struct DashboardBenchmarkChild {
    var config: String
    var state: URL
    var projects: Int
    /// Lines a second written to the journal during the live-log measure, and for how long.
    var linesPerSecond = 500
    var seconds = 20

    func run() async throws {
        let bench = try await BenchServer(config: config, state: state)
        // The server reads the project table once as it starts (about 300 ms cold with 10,000 projects): measure after.
        try await Task.sleep(for: .seconds(2))
        let paths = [
            "projects", "projects?page=50", "projects?q=p-77", "projects?label=team%3Dt3", "projects?phase=active&page=100",
            "", "projects/p-42", "servers", "servers/s-3", "incidents", "logs",
        ]
        for path in paths {
            var times: [Double] = []
            var size = 0
            for _ in 0..<21 {
                let started = ContinuousClock.now
                let response = try await bench.client.send(HTTPRequest(url: URL(string: bench.base.absoluteString + "/" + path)!))
                times.append((ContinuousClock.now - started).seconds)
                size = response.body.count
                guard response.status == 200 else { throw BenchmarkFailure("/\(path) answered \(response.status)") }
            }
            let first = times.removeFirst()
            report(String(format: "GET /%@: first %.1f ms, then 20 requests p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.1f KB of HTML",
                path, first * 1000, percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000, (times.max() ?? 0) * 1000,
                Double(size) / 1024))
        }
        try await liveLog(bench)
        await bench.stop()
    }

    /// The journal grows by `linesPerSecond` (a batch every 100 ms) while Chromium shows `/logs`.
    private func liveLog(_ bench: BenchServer) async throws {
        let script = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("scripts/browser.py").path
        let chromium = ProcessInfo.processInfo.environment["CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium), FileManager.default.fileExists(atPath: script) else {
            report("live log: not measured (needs \(chromium), apt-get install chromium, and \(script): run from the checkout)")
            return
        }
        let store = bench.store
        let perBatch = linesPerSecond / 10
        let total = linesPerSecond * (seconds + 10)
        let writer = Task {
            var written = 0
            let clock = ContinuousClock()
            var next = clock.now
            while written < total, !Task.isCancelled {
                let at = Int64(Date().timeIntervalSince1970 * 1000)
                let lines = (0..<perBatch).map { index in
                    JournalEntry(time: Date(), level: .info, message: "bench line \(written + index) written at \(at)", action: "bench")
                }
                guard (try? await store.appendJournal(lines)) != nil else { break }
                written += perBatch
                next += .milliseconds(100)
                // Cancelled once the browser is done: the count so far is the answer.
                guard (try? await clock.sleep(until: next)) != nil else { break }
            }
            return written
        }
        let output = try ProcessGroupChild.runToEnd(ProcessLaunch(
            executable: "/usr/bin/env",
            arguments: ["/usr/bin/env", "python3", script, "--timeout", "60", "--base", bench.base.absoluteString,
                        "--out", state.appendingPathComponent("screenshots").path, "watch", "/logs",
                        "--selector", "table.log tbody tr", "--duration", "\(seconds)", "--interval-ms", "500"],
            environment: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath))
        writer.cancel()
        let written = await writer.value
        guard output.status == 0, let line = output.stdoutText.split(separator: "\n").last,
            let result = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let samples = result["samples"] as? [[String: Any]], !samples.isEmpty
        else { throw BenchmarkFailure("browser.py watch failed (\(output.status)): \(output.stderrText.suffix(2000))") }
        // Each sample's newest row: its line number and when it was written, against the sample's wall clock.
        var lags: [Double] = []
        var shown: [(t: Double, line: Int)] = []
        for sample in samples {
            guard let last = sample["last"] as? String, let wall = sample["wall"] as? Double,
                let match = last.firstMatch(of: /bench line (\d+) written at (\d+)/),
                let number = Int(match.1), let at = Double(match.2)
            else { continue }
            lags.append(wall - at)
            shown.append((sample["t"] as? Double ?? 0, number))
        }
        let errors = (result["errors"] as? [Any])?.count ?? -1
        let heaps = samples.compactMap { $0["heap"] as? Double }
        let rate = shown.count > 1 ? Double(shown.last!.line - shown.first!.line) / ((shown.last!.t - shown.first!.t) / 1000) : 0
        report(String(format: "live log at %d lines/s for %d s (%d written): rows at most %d (cap 1000), page HTML at most %.0f KB, "
            + "JS heap %.1f -> %.1f MB; newest row behind the newest written line p50 %.0f ms, max %.0f ms; rows arrived at %.0f lines/s; "
            + "%d errors", linesPerSecond, seconds, written, result["maxCount"] as? Int ?? -1,
            (result["maxHtmlBytes"] as? Double ?? 0) / 1024, (heaps.first ?? 0) / 1_048_576, (heaps.last ?? 0) / 1_048_576,
            percentile(lags, 0.5), lags.max() ?? 0, rate, errors))
    }
}
