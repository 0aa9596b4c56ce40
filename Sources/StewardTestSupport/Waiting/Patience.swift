import Foundation

/// How long a test waits for something that should happen soon: one shared bound that CI can raise.
///
/// Every wait in the tests (a node reaching a gate, a file appearing, an app answering) is bounded so a
/// broken build fails instead of hanging, and every bound derives from `Patience.base`: 120 s unless the
/// environment variable `STEWARD_TEST_PATIENCE` gives another number of seconds. The bounds are never a
/// claim about speed (benchmarks make those); they only have to be generous enough that a loaded machine
/// never reaches them, so a wait that does time out means the awaited thing did not happen.
public enum Patience {
    /// The name of the environment variable that sets `base`, in seconds.
    public static let variable = "STEWARD_TEST_PATIENCE"

    /// The shared bound: `STEWARD_TEST_PATIENCE` seconds, else 120 s.
    public static let base: Duration = {
        if let text = ProcessInfo.processInfo.environment[variable], let seconds = Double(text), seconds > 0 {
            return .milliseconds(Int64(seconds * 1000))
        }
        return .seconds(120)
    }()

    /// `base` times `factor`, for waits known to take longer than most (a whole deploy, several passes).
    public static func times(_ factor: Int) -> Duration { base * factor }

    /// `bound` in seconds, for APIs that take a `TimeInterval`.
    public static func seconds(_ bound: Duration = base) -> Double {
        Double(bound.components.seconds) + Double(bound.components.attoseconds) / 1e18
    }
}

/// A bounded wait that ran out; it names what was awaited.
public struct WaitTimeout: Error, CustomStringConvertible {
    /// What the test waited for, in words ("a node to reach the gate").
    public var what: String
    /// The bound that was reached.
    public var limit: Duration
    /// More context: the state observed last, a log tail.
    public var detail: String

    public init(what: String, limit: Duration, detail: String = "") {
        self.what = what
        self.limit = limit
        self.detail = detail
    }

    public var description: String {
        "timed out after \(Patience.seconds(limit)) s waiting for \(what)"
            + " (the bound derives from \(Patience.variable), now \(Patience.seconds(Patience.base)) s)"
            + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// Polls `condition` until it holds, suspending (never blocking) between polls.
/// - Parameters:
///   - what: what the test waits for, in words; the timeout's message names it.
///   - limit: the bound, `Patience.base` unless a multiple of it is needed.
///   - interval: the pause between polls.
///   - isolation: the caller's actor, where the closures run (so they need not be `@Sendable`).
///   - detail: evaluated only on timeout, to say what was observed instead.
/// - Throws: `WaitTimeout` when `condition` does not hold within `limit`; what `condition` throws.
public func waitUntil(
    _ what: String, limit: Duration = Patience.base, every interval: Duration = .milliseconds(10),
    isolation: isolated (any Actor)? = #isolation,
    detail: () async -> String = { "" }, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what, limit: limit, detail: await detail()) }
        try await Task.sleep(for: interval)
    }
}
