import Foundation
import Prometheus
import StewardCore
import StewardModel
import StewardQueue

/// The controller's Prometheus metrics (docs/ARCHITECTURE.md §10), in a registry of its own (no global bootstrap):
/// counters and histograms move as things happen; the gauges of the queue and the store's counts are read at each
/// scrape. Names follow Flux's and client-go's (`steward_reconcile_*`, `steward_workqueue_*`).
public final class StewardMetrics: ControllerMetrics, WorkQueueMetrics, @unchecked Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    private var counters: [String: Counter] = [:]
    private var histograms: [String: DurationHistogram] = [:]
    private var gauges: [String: Gauge] = [:]
    /// Gauge series set at the last scrape, per metric: a phase that emptied is set to 0, not left at its old count.
    private var lastSeries: [String: Set<[String]>] = [:]

    /// Reconcile and Ansible durations: 10 ms to 30 min.
    static let durationBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120), .seconds(300), .seconds(600),
        .seconds(1800),
    ]
    /// client-go's workqueue buckets: 1 µs to 10 s, by tens.
    static let queueBuckets: [Duration] = [
        .microseconds(1), .microseconds(10), .microseconds(100), .milliseconds(1), .milliseconds(10),
        .milliseconds(100), .seconds(1), .seconds(10),
    ]

    private static let help: [String: String] = [
        "steward_reconcile_total": "Reconciles of a key, by kind (project, server, config, forge, servers, health, resync) and result",
        "steward_reconcile_duration_seconds": "How long one reconcile of a key took, by kind",
        "steward_workqueue_depth": "Keys ready in the work queue",
        "steward_workqueue_adds_total": "Keys added to the work queue (not counting ones already queued)",
        "steward_workqueue_retries_total": "Retries of failed keys (after their backoff)",
        "steward_workqueue_queue_duration_seconds": "How long a key waited in the queue before a worker took it",
        "steward_workqueue_work_duration_seconds": "How long a worker held a key",
        "steward_workqueue_unfinished_work_seconds": "Seconds of work in progress not yet finished (sum over the keys held)",
        "steward_workqueue_longest_running_processor_seconds": "How long the longest-held key has been held",
        "steward_github_requests_total": "Requests to the GitHub REST API, by status code and whether GitHub answered 304 from its cache",
        "steward_github_rate_limit_remaining": "X-RateLimit-Remaining of GitHub's last answer",
        "steward_ansible_runs_total": "ansible-playbook runs, by playbook and result",
        "steward_ansible_run_duration_seconds": "How long an ansible-playbook run took, by playbook",
        "steward_projects": "Projects by phase",
        "steward_servers": "Servers by status",
        "steward_drifted_projects": "Projects whose last drift check found their server changed (Drifted=True)",
        "steward_incidents_open": "Open incidents by type and severity",
        "steward_webhook_deliveries_total": "Webhook deliveries, by event and result",
        "steward_notifications_total": "Notifications sent or failed (an attempt), by provider",
        "steward_build_info": "Steward's version (value 1)",
    ]

    public init(version: String) {
        gauge("steward_build_info", [("version", version)]).set(to: 1.0)
    }

    // MARK: Series

    private func descriptor(_ name: String) -> MetricNameDescriptor {
        // The full name is given as metricName; unit and namespace are already part of it.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: Self.help[name] ?? name)
    }

    private static func id(_ name: String, _ labels: [(String, String)]) -> String {
        ([name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1F}")
    }

    func counter(_ name: String, _ labels: [(String, String)] = []) -> Counter {
        lock.withLock {
            Self.cached(&counters, Self.id(name, labels)) { registry.makeCounter(descriptor: descriptor(name), labels: labels) }
        }
    }

    func histogram(_ name: String, _ labels: [(String, String)] = [], buckets: [Duration] = durationBuckets) -> DurationHistogram {
        lock.withLock {
            Self.cached(&histograms, Self.id(name, labels)) {
                registry.makeDurationHistogram(descriptor: descriptor(name), labels: labels, buckets: buckets)
            }
        }
    }

    func gauge(_ name: String, _ labels: [(String, String)] = []) -> Gauge {
        lock.withLock {
            Self.cached(&gauges, Self.id(name, labels)) { registry.makeGauge(descriptor: descriptor(name), labels: labels) }
        }
    }

    /// The series made for `id` before, or a new one: each name and label set is made once, then looked up here.
    private static func cached<Metric>(_ series: inout [String: Metric], _ id: String, make: () -> Metric) -> Metric {
        if let existing = series[id] { return existing }
        let made = make()
        series[id] = made
        return made
    }

    // MARK: What happens

    public func reconciled(kind: String, result: String, duration: Duration) {
        counter("steward_reconcile_total", [("kind", kind), ("result", result)]).increment()
        histogram("steward_reconcile_duration_seconds", [("kind", kind)]).record(duration)
    }

    public func added() { counter("steward_workqueue_adds_total").increment() }
    public func retried() { counter("steward_workqueue_retries_total").increment() }

    public func started(waited: Duration) {
        histogram("steward_workqueue_queue_duration_seconds", buckets: Self.queueBuckets).record(waited)
    }

    public func finished(worked: Duration) {
        histogram("steward_workqueue_work_duration_seconds", buckets: Self.queueBuckets).record(worked)
    }

    /// One ansible-playbook run; `playbook` is labelled by its file name (Steward's playbooks are given by path).
    public func playbookRun(playbook: String, result: String, duration: Duration) {
        let playbook = (playbook as NSString).lastPathComponent
        counter("steward_ansible_runs_total", [("playbook", playbook), ("result", result)]).increment()
        histogram("steward_ansible_run_duration_seconds", [("playbook", playbook)]).record(duration)
    }

    /// One answer of the GitHub REST API (`cached`: a 304, answered from the ETag cache).
    public func githubRequest(code: Int?, cached: Bool, rateLimitRemaining: Int?) {
        counter("steward_github_requests_total", [("code", code.map(String.init) ?? "error"), ("cached", "\(cached)")]).increment()
        if let rateLimitRemaining { gauge("steward_github_rate_limit_remaining").set(to: Double(rateLimitRemaining)) }
    }

    /// One webhook delivery: `result` is accepted, duplicate, ignored, unauthorized, malformed or too_large.
    public func webhookDelivery(event: String, result: String) {
        counter("steward_webhook_deliveries_total", [("event", event), ("result", result)]).increment()
    }

    /// Notifications of one attempt: `result` is sent or failed.
    public func notification(provider: String, result: String, count: Int) {
        counter("steward_notifications_total", [("provider", provider), ("result", result)]).increment(by: Int64(count))
    }

    // MARK: Scrape

    /// The text exposition format, after setting the gauges read now: the queue's load and the store's counts.
    public func render(queue: WorkQueueLoad?, counts: ObjectCounts?) -> [UInt8] {
        if let queue {
            gauge("steward_workqueue_depth").set(to: Double(queue.depth))
            gauge("steward_workqueue_unfinished_work_seconds").set(to: queue.unfinishedWork.seconds)
            gauge("steward_workqueue_longest_running_processor_seconds").set(to: queue.longestRunning.seconds)
        }
        if let counts {
            setSeries("steward_projects", counts.projectsByPhase.map { ([$0.key], $0.value) }, labels: ["phase"])
            setSeries("steward_servers", counts.serversByStatus.map { ([$0.key], $0.value) }, labels: ["status"])
            gauge("steward_drifted_projects").set(to: Double(counts.driftedProjects))
            setSeries("steward_incidents_open", counts.openIncidents.map { ([$0.key.type, $0.key.severity], $0.value) },
                labels: ["type", "severity"])
        }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return bytes
    }

    /// Sets a gauge per label set to its count, and to 0 those set at the last scrape that are absent now.
    private func setSeries(_ name: String, _ values: [([String], Int)], labels: [String]) {
        let now = Set(values.map(\.0))
        let gone = lock.withLock {
            defer { lastSeries[name] = now }
            return (lastSeries[name] ?? []).subtracting(now)
        }
        for (series, count) in values { gauge(name, Array(zip(labels, series))).set(to: Double(count)) }
        for series in gone { gauge(name, Array(zip(labels, series))).set(to: 0) }
    }
}

/// A playbook runner that counts its runs in `steward_ansible_runs_total` and times them (docs/ARCHITECTURE.md §10).
public struct MeasuredPlaybookRunner: PlaybookRunner {
    public let base: any PlaybookRunner
    public let metrics: StewardMetrics

    public init(_ base: any PlaybookRunner, metrics: StewardMetrics) {
        self.base = base
        self.metrics = metrics
    }

    public func run(_ request: PlaybookRequest, onTask: @escaping @Sendable (TaskEvent) -> Void) async throws -> PlaybookResult {
        let started = ContinuousClock.now
        do {
            let result = try await base.run(request, onTask: onTask)
            metrics.playbookRun(playbook: request.playbook, result: result.status.rawValue, duration: ContinuousClock.now - started)
            return result
        } catch {
            metrics.playbookRun(playbook: request.playbook, result: "error", duration: ContinuousClock.now - started)
            throw error
        }
    }
}
