import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing
@testable import StewardStore

/// The journal behind `steward logs`: increasing ids, filters, reading beside a writer, pruning by age and count.
struct JournalLinesStoreTests {
    static func line(_ message: String, _ level: JournalEntry.Level = .info, project: String? = nil, server: String? = nil,
        at time: Date = Samples.time) -> JournalEntry {
        JournalEntry(time: time, level: level, message: message, project: project, server: server, action: "deploy",
            fields: ["commit": "c1", "note": "a \"quoted\" value"])
    }

    @Test(arguments: SQLDialect.allCases) func linesComeBackInOrderWithTheirFieldsAndFilters(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        try await store.appendJournal([
            Self.line("one", project: "shop"), Self.line("two", .warning, server: "alpha"),
            Self.line("three", .error, project: "blog", at: Samples.time.addingTimeInterval(60)),
        ])
        let all = try await store.journal(after: nil, matching: JournalQuery(), limit: 10)
        #expect(all.map(\.message) == ["one", "two", "three"])
        #expect(all.map(\.id) == [1, 2, 3])
        #expect(all[0] == JournalEntry(id: 1, time: Samples.time, level: .info, message: "one", project: "shop",
            action: "deploy", fields: ["commit": "c1", "note": "a \"quoted\" value"]))
        #expect(try await store.journal(after: 1, matching: JournalQuery(), limit: 1).map(\.message) == ["two"])
        #expect(try await store.journal(after: nil, matching: JournalQuery(project: "shop"), limit: 10).map(\.message) == ["one"])
        #expect(try await store.journal(after: nil, matching: JournalQuery(server: "alpha"), limit: 10).map(\.message) == ["two"])
        #expect(try await store.journal(after: nil, matching: JournalQuery(minimumLevel: .warning), limit: 10)
            .map(\.message) == ["two", "three"])
        #expect(try await store.journal(after: nil, matching: JournalQuery(since: Samples.time.addingTimeInterval(1)), limit: 10)
            .map(\.message) == ["three"])

        // A reader (another process, read-only) sees lines as the writer appends them.
        let reader = try await fixture.reopen(readOnly: true)
        try await store.appendJournal([Self.line("four")])
        #expect(try await reader.journal(after: 3, matching: JournalQuery(), limit: 10).map(\.message) == ["four"])
    }

    @Test(arguments: SQLDialect.allCases) func pruningKeepsTheNewestWithinAgeAndCount(_ engine: SQLDialect) async throws {
        let fixture = try await StoreFixture(engine)
        let store = fixture.store
        let old = (0..<5).map { Self.line("old \($0)", at: Samples.time.addingTimeInterval(-86_400 * 20)) }
        let recent = (0..<10).map { Self.line("new \($0)", at: Samples.time.addingTimeInterval(Double($0))) }
        try await store.appendJournal(old + recent)
        #expect(try await store.pruneJournal(before: Samples.time.addingTimeInterval(-86_400 * 14), keepingAtMost: 100) == 5)
        #expect(try await store.pruneJournal(before: .distantPast, keepingAtMost: 4) == 6)
        let left = try await store.journal(after: nil, matching: JournalQuery(), limit: 100)
        #expect(left.map(\.message) == ["new 6", "new 7", "new 8", "new 9"])
        try await store.appendJournal([Self.line("next")])
        #expect(try await store.journal(after: left.last?.id, matching: JournalQuery(), limit: 10).map(\.id) == [16],
            "ids keep increasing after a prune")
    }
}
