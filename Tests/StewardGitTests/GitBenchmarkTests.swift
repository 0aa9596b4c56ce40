import Foundation
import StewardTestSupport
import Testing
@testable import StewardGit

/// Timings that only mean something in a release build:
/// `STEWARD_GIT_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter GitBenchmarkTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["STEWARD_GIT_BENCH"] != nil))
struct GitBenchmarkTests {
    @Test func noChangeUpdateIsNoSlowerThanGitFetch() async throws {
        let fixture = try await GitFixture()
        try await generateFiles(in: fixture, directories: 20, filesPerDirectory: 50)
        try await fixture.commit()
        for index in 0..<20 {
            try await fixture.tag("v\(index)")
        }
        let source = fixture.source(url: fixture.fileURL)
        _ = try await source.update()

        let steward = try await median(runs: 50) { _ = try await source.update() }
        let gitFetch = try await median(runs: 50) { try await run(["git", "-C", fixture.cache.path, "fetch", "-q", "origin"]) }

        print("no-change update(): \(milliseconds(steward)) ms; git fetch: \(milliseconds(gitFetch)) ms (medians of 50)")
        #expect(steward <= gitFetch)
    }

    @Test func entriesOfTenThousandFiles() async throws {
        let fixture = try await GitFixture()
        try await generateFiles(in: fixture, directories: 101, filesPerDirectory: 100)
        try await fixture.commit()
        let source = fixture.source()
        let revision = try await source.update()

        let time = try await median(runs: 20) { _ = try await source.entries(at: revision) }

        print("entries(at:) of 10,100 files: \(milliseconds(time)) ms (median of 20)")
        #expect(time < .milliseconds(50))
    }

    private func median(runs: Int, _ body: () async throws -> Void) async throws -> Duration {
        let clock = ContinuousClock()
        var times: [Duration] = []
        for _ in 0..<runs {
            times.append(try await clock.measure(body))
        }
        return times.sorted()[runs / 2]
    }

    private func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }
}
