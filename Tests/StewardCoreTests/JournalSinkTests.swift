import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// The log handler's side of `steward logs`: lines logged before the store opens are kept in order, lines logged by
/// many threads keep the order they were recorded in, and a command that never attaches a store journals nothing.
struct JournalSinkTests {
    static func line(_ message: String) -> JournalEntry { JournalEntry(time: Date(), level: .info, message: message) }

    @Test func linesBeforeAndAfterAttachReachTheStoreInOrder() async throws {
        let sink = JournalSink()
        let store = InMemoryStateStore()
        sink.record(Self.line("before 1"))
        sink.record(Self.line("before 2"))
        await sink.flush()
        #expect(try await store.journal(after: nil, matching: JournalQuery(), limit: 10).isEmpty)
        sink.attach(store)
        for index in 0..<500 { sink.record(Self.line("after \(index)")) }
        await sink.flush()
        let lines = try await store.journal(after: nil, matching: JournalQuery(), limit: 1_000)
        #expect(lines.map(\.message) == ["before 1", "before 2"] + (0..<500).map { "after \($0)" })
    }

    @Test func aFullBufferDropsTheOldestAndSaysHowMany() async throws {
        let sink = JournalSink(capacity: 3)
        for index in 0..<5 { sink.record(Self.line("line \(index)")) }
        let store = InMemoryStateStore()
        sink.attach(store)
        await sink.flush()
        let lines = try await store.journal(after: nil, matching: JournalQuery(), limit: 10)
        #expect(lines.map(\.message) == ["2 journal lines were dropped before the state store opened", "line 2", "line 3", "line 4"])
        #expect(lines.first?.level == .warning)
    }
}
