import Foundation
import StewardModel

/// The controller's journal (`steward logs`): log lines with increasing ids, kept for `journal.maxAge` and at most
/// `journal.maxRows` lines.
public protocol JournalStore: Sendable {
    /// Appends `entries` in order, in one transaction; the store assigns their ids.
    func appendJournal(_ entries: [JournalEntry]) async throws

    /// Up to `limit` lines with an id above `after` (all when nil) that match `query`, oldest first.
    func journal(after: Int64?, matching query: JournalQuery, limit: Int) async throws -> [JournalEntry]

    /// The newest `limit` lines that match `query`, oldest first (the dashboard's first screen of a log).
    func journalTail(matching query: JournalQuery, limit: Int) async throws -> [JournalEntry]

    /// Deletes lines older than `before`, then the oldest beyond the newest `keepingAtMost`.
    /// - Returns: how many lines were deleted.
    @discardableResult
    func pruneJournal(before: Date, keepingAtMost: Int) async throws -> Int
}
