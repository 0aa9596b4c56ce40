import Foundation
import StewardModel

/// Takes log lines from the log handler (synchronously, from any thread) and appends them to the journal in order,
/// in batches, as soon as a store is attached: a command that only reads never attaches one, and its lines are
/// dropped at exit. One drain runs at a time, so ids follow the order lines were logged. Lines logged before the
/// store is attached wait (at most `capacity`; beyond it the oldest go, and a line says how many).
public final class JournalSink: @unchecked Sendable {
    /// The process's sink: the logger writes into it, the wiring attaches the store that acts.
    public static let shared = JournalSink()

    private let lock = NSLock()
    private let capacity: Int
    private var buffer: [JournalEntry] = []
    private var dropped = 0
    private var store: (any JournalStore)?
    private var drain: Task<Void, Never>?

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// Appends to the journal from now on, starting with what was logged before.
    public func attach(_ store: any JournalStore) {
        lock.withLock { self.store = store }
        startDrain()
    }

    /// Queues one line.
    public func record(_ entry: JournalEntry) {
        lock.withLock {
            buffer.append(entry)
            if buffer.count > capacity {
                buffer.removeFirst(buffer.count - capacity)
                dropped += 1
            }
        }
        startDrain()
    }

    /// Returns once every line recorded so far is in the store (or the store refused it); at once without a store.
    public func flush() async {
        while true {
            startDrain()
            guard let running = lock.withLock({ drain }) else { return }
            await running.value
        }
    }

    private func startDrain() {
        lock.withLock {
            guard let store, drain == nil, !buffer.isEmpty else { return }
            drain = Task { [weak self] in await self?.drainAll(into: store) }
        }
    }

    /// Writes batches until the buffer is empty. A failed write drops its batch: the journal must never stop the
    /// work it records (the same lines went to stderr).
    private func drainAll(into store: any JournalStore) async {
        while true {
            let (batch, lost): ([JournalEntry], Int) = lock.withLock {
                guard !buffer.isEmpty else {
                    drain = nil
                    return ([], 0)
                }
                defer { buffer = []; dropped = 0 }
                return (buffer, dropped)
            }
            if batch.isEmpty { return }
            var lines = batch
            if lost > 0 {
                lines.insert(JournalEntry(time: batch[0].time, level: .warning,
                    message: "\(lost) journal lines were dropped before the state store opened"), at: 0)
            }
            try? await store.appendJournal(lines)
        }
    }
}
