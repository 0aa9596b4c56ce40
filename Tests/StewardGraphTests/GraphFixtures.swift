import Foundation
import StewardGraph
import StewardTestSupport

/// The state most tests use: one channel of each reducer kind.
struct Flow: GraphState, Equatable {
    var input = ""
    var log: [String] = []
    var notes: [String: String] = [:]
    var total = 0
    var result = ""

    static let schema = StateSchema<Flow>(
        .appending("log", \.log),
        .merging("notes", \.notes),
        .reduced("total", \.total, by: +),
        .lastValue("result", \.result)
    )
}

/// Counts calls by name across concurrent nodes.
actor Counter {
    private var counts: [String: Int] = [:]

    @discardableResult
    func increment(_ name: String) -> Int {
        counts[name, default: 0] += 1
        return counts[name]!
    }

    func count(_ name: String) -> Int { counts[name, default: 0] }
}

/// A point every party must reach before any goes on: proves parties run at the same time.
actor Barrier {
    private let parties: Int
    private var arrived = 0

    init(parties: Int) { self.parties = parties }

    /// Waits until all parties arrived.
    /// - Throws: `WaitTimeout` when they do not within `Patience.base` (it only fails if parties run one by one).
    func arrive() async throws {
        arrived += 1
        try await waitUntil("all \(parties) parties to reach the barrier", detail: { "\(await self.count) arrived" }) {
            await self.count >= self.parties
        }
    }

    private var count: Int { arrived }
}

/// A flag a test flips to let a waiting node go on.
actor Gate {
    private(set) var isOpen = false
    private(set) var reached = false

    func open() { isOpen = true }

    /// Marks the gate as reached and waits until it opens (no bound: the test opens it, or cancels the run).
    func pass() async throws {
        reached = true
        while !isOpen { try await Task.sleep(for: .milliseconds(5)) }
    }

    /// Waits until a node reached the gate.
    /// - Throws: `WaitTimeout` when none does within `Patience.base`.
    func waitUntilReached() async throws {
        try await waitUntil("a node to reach the gate") { await self.reached }
    }
}

/// Collects trace events.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [GraphEvent] = []

    func record(_ event: GraphEvent) { lock.withLock { stored.append(event) } }
    var events: [GraphEvent] { lock.withLock { stored } }
}

/// A node's deliberate failure.
struct NodeFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension GraphRunStatus {
    var isCompleted: Bool { self == .completed }
}
