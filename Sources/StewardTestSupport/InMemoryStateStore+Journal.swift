import Foundation
import StewardCore
import StewardModel

extension InMemoryStateStore: JournalStore {
    public func appendJournal(_ entries: [JournalEntry]) async throws {
        for var entry in entries {
            lastJournalID += 1
            entry.id = lastJournalID
            journalLines.append(entry)
        }
    }

    public func journal(after: Int64?, matching query: JournalQuery, limit: Int) async throws -> [JournalEntry] {
        Array(journalLines.filter { $0.id! > (after ?? 0) && matches($0, query) }.prefix(max(0, limit)))
    }

    public func journalTail(matching query: JournalQuery, limit: Int) async throws -> [JournalEntry] {
        Array(journalLines.filter { matches($0, query) }.suffix(max(0, limit)))
    }

    private func matches(_ entry: JournalEntry, _ query: JournalQuery) -> Bool {
        (query.project == nil || entry.project == query.project) && (query.server == nil || entry.server == query.server)
            && (query.since.map { entry.time >= $0 } ?? true) && (query.minimumLevel.map { entry.level >= $0 } ?? true)
    }

    @discardableResult
    public func pruneJournal(before: Date, keepingAtMost: Int) async throws -> Int {
        let count = journalLines.count
        journalLines.removeAll { $0.time < before }
        if journalLines.count > keepingAtMost { journalLines.removeFirst(journalLines.count - keepingAtMost) }
        return count - journalLines.count
    }
}
