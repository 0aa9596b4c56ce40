import Foundation
import StewardCore

/// A `HealthProbe` answering from a script, for unit tests of the health_checker: answers per URL, every
/// request recorded, and the largest number of checks in flight at once measured.
public actor FakeHealthProbe: HealthProbe {
    /// What a URL answers.
    public enum Answer: Sendable {
        case status(Int, String)
        case failure(HealthProbeError)

        public static let ok = Answer.status(200, "ok")
        public static let refused = Answer.failure(HealthProbeError(.connection, "connection failed: Couldn't connect to server"))
    }

    private var answers: [String: Answer] = [:]
    public var defaultAnswer: Answer
    public private(set) var requests: [URL] = []
    public private(set) var inFlight = 0
    public private(set) var maxInFlight = 0
    /// How long each check stays in flight, so overlapping checks are visible.
    private let latency: Duration
    /// The first `barrier` checks wait until all of them are in flight together (proof of concurrency);
    /// after `barrierTimeout` they go on anyway and `barrierTimedOut` says so.
    private let barrier: Int
    private let barrierTimeout: Duration
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var barrierOpen = false
    public private(set) var barrierTimedOut = false

    public init(defaultAnswer: Answer = .ok, latency: Duration = .zero, barrier: Int = 0, barrierTimeout: Duration = Patience.base) {
        self.defaultAnswer = defaultAnswer
        self.latency = latency
        self.barrier = barrier
        self.barrierTimeout = barrierTimeout
    }

    /// Scripts the answer of one URL (`http://host:port/path`).
    public func set(_ answer: Answer, for url: String) { answers[url] = answer }
    public func setDefault(_ answer: Answer) { defaultAnswer = answer }

    public func get(_ url: URL, timeout: Duration) async throws -> HealthProbeAnswer {
        requests.append(url)
        inFlight += 1
        maxInFlight = max(maxInFlight, inFlight)
        if !barrierOpen, barrier > 0 {
            if waiting.count + 1 >= barrier {
                openBarrier(timedOut: false)
            } else {
                if waiting.isEmpty {
                    Task { [barrierTimeout] in
                        try? await Task.sleep(for: barrierTimeout)
                        self.openBarrier(timedOut: true)
                    }
                }
                await withCheckedContinuation { waiting.append($0) }
            }
        }
        if latency > .zero { try? await Task.sleep(for: latency) }
        inFlight -= 1
        switch answers[url.absoluteString] ?? defaultAnswer {
        case .status(let status, let body): return HealthProbeAnswer(status: status, body: body)
        case .failure(let error): throw error
        }
    }

    private func openBarrier(timedOut: Bool) {
        guard !barrierOpen else { return }
        barrierOpen = true
        barrierTimedOut = timedOut
        for continuation in waiting { continuation.resume() }
        waiting = []
    }
}
