import Foundation
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// `steward run`'s controller on the harness's in-memory parts: keys enqueued by what changed, deploys batched,
/// failures in backoff, shutdown.
struct ControllerTests {
    /// Runs a controller until `condition` holds (and its keys settled), then shuts it down.
    private func withController(
        _ harness: ReconcilerHarness, _ body: (Controller) async throws -> Void
    ) async throws {
        // Polled by hand (`fetchNow`), so the test decides when a change is seen.
        var options = Controller.Options(configInterval: 3600)
        // Long enough that two first deploys share a batch however loaded the machine is (5 s was not, on CI); a
        // batch holding every object key in flight or queued starts at once anyway, so no test waits it out.
        options.deployWindow = .seconds(120)
        let controller = Controller(reconciler: try harness.reconciler(), leases: nil, options: options)
        let workers = Task { await controller.run() }
        do {
            try await body(controller)
        } catch {
            await controller.shutDown(grace: .zero, cancelling: workers)
            throw error
        }
        await controller.shutDown(grace: .seconds(30), cancelling: workers)
        await workers.value
    }

    private func settled(_ controller: Controller, polls: Int) async throws {
        try await waitUntil("the controller to settle after \(polls) polls", detail: { "\(controller.status())" }) {
            controller.polls >= polls && controller.isIdle()
        }
    }

    @Test func aChangedManifestEnqueuesOnlyItsProjectAndDeploysBecomingReadyTogetherShareOneRun() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        try await withController(harness) { controller in
            try await settled(controller, polls: 1)
            let first = await harness.runner.requests
            #expect(first.count == 1, "two first deploys ready within the window share one ansible-playbook run")
            #expect(first.first?.hosts.count == 2)
            #expect(try await harness.store.project(named: "other")?.phase == .active)

            try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  env: |\n    A=1\n"))
            let polls = controller.polls
            controller.fetchNow()
            try await settled(controller, polls: polls + 1)
            let requests = await harness.runner.requests
            #expect(requests.count == 2, "only hello deployed again")
            #expect(requests.last?.hosts.count == 1)
            let other = try #require(await harness.store.events(objectKind: "Project", objectName: "other", limit: 100))
            #expect(other.filter { $0.reason == "PhaseChanged" }.count == 3, "other was not touched: \(other.map(\.message))")
        }
    }

    @Test func aDependentWaitsForItsDependencyAndDeploysAsSoonAsItIsReady() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other", extra: "  dependsOn: [hello]"))
        await harness.runner.setStatus(.failed, host: "hello")
        await harness.runner.setStatus(.failed, host: "local")
        try await withController(harness) { controller in
            try await waitUntil("other to wait for hello") {
                (try? await harness.store.project(named: "other"))??.conditions[Condition.ready]?.reason == "DependencyNotReady"
            }
            #expect(try await harness.store.runs(project: "other", limit: 5).isEmpty, "never deployed before hello")
            // hello's retry (after its backoff) succeeds: other is enqueued by it and deploys, without a poll.
            await harness.runner.setStatus(.succeeded, host: "hello")
            await harness.runner.setStatus(.succeeded, host: "local")
            try await waitUntil("other deployed after hello", limit: .seconds(30)) {
                (try? await harness.store.project(named: "other"))??.phase == .active
            }
            let hello = try #require(try await harness.store.runs(project: "hello", limit: 5).first?.id)
            let other = try #require(try await harness.store.runs(project: "other", limit: 5).first?.id)
            #expect(hello < other)
        }
    }

    @Test func aResyncSkipsProjectsWhoseInputsAreUnchangedSinceTheyConverged() async throws {
        let harness = try ReconcilerHarness()
        try harness.config.write("manifests/other.yaml", ReconcilerHarness.project("other"))
        try await withController(harness) { controller in
            try await settled(controller, polls: 1)
            let runs = await harness.runner.requests.count
            // Once every project converged with its repo known (the forge poll ran), a resync skips both.
            func resync() async throws -> Int {
                let before = controller.reconciles
                controller.queue.add(.resync)
                try await waitUntil("the resync to settle") { controller.reconciles > before && controller.isIdle() }
                return controller.reconciles - before
            }
            var reconciled = try await resync()
            if reconciled > 2 { reconciled = try await resync() }
            #expect(reconciled == 2, "the resync and the server key; no project (\(reconciled))")
            #expect(await harness.runner.requests.count == runs, "a resync of converged projects deploys nothing")
            // A new commit of hello's manifest changes its fingerprint: the next resync reconciles it (were the config
            // poll's own enqueue missed), and only it.
            try harness.config.write("manifests/hello.yaml", ReconcilerHarness.project("hello", extra: "  env: |\n    A=1\n"))
            let polls = controller.polls
            controller.fetchNow()
            try await settled(controller, polls: polls + 1)
            #expect(try await resync() == 2, "hello converged again with its new inputs")
        }
    }

    @Test func aFailingDeployBacksOffAndItsErrorIsShown() async throws {
        let harness = try ReconcilerHarness()
        await harness.runner.setStatus(.failed)
        try await withController(harness) { controller in
            try await waitUntil("hello to fail twice", detail: { "\(controller.status())" }) {
                controller.status().waiting.contains { $0.key == "project/hello" && $0.failures >= 2 }
            }
            let waiting = try #require(controller.status().waiting.first { $0.key == "project/hello" })
            #expect(waiting.lastError?.contains("deploy failed") == true, "\(waiting)")
            #expect(waiting.nextAttempt > Date(), "a retry waits for its backoff")
            let runs = await harness.runner.requests.count
            #expect(runs <= 3, "1 s, then 2 s: not a retry per poll (\(runs) runs)")
            await harness.runner.setStatus(.succeeded)
            try await waitUntil("hello to recover on a retry", limit: Patience.base) {
                (try? await harness.store.project(named: "hello"))??.phase == .active
            }
        }
    }

    @Test func aShutdownPastItsGraceInterruptsTheDeployAndLeavesItToTheNextStart() async throws {
        let harness = try ReconcilerHarness()
        await harness.runner.setDelay(.seconds(30))
        var options = Controller.Options(configInterval: 3600)
        options.deployWindow = .milliseconds(10)
        let controller = Controller(reconciler: try harness.reconciler(), leases: nil, options: options)
        let workers = Task { await controller.run() }
        try await waitUntil("the deploy to start") { await harness.runner.requests.count == 1 }
        let started = ContinuousClock.now
        let inTime = await controller.shutDown(grace: .milliseconds(200), cancelling: workers)
        await workers.value
        #expect(!inTime)
        #expect(ContinuousClock.now - started < .seconds(20), "the deploy did not run its 30 s")
        let record = try #require(await harness.store.project(named: "hello"))
        #expect(record.phase == .deploying, "redone on the next start, not an error")
        #expect(await harness.store.incidents(openOnly: true).isEmpty)
    }
}
