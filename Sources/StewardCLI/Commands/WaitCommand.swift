import ArgumentParser
import Foundation
import StewardCore
import StewardModel

/// `steward wait project/NAME --for ready|healthy|deployed=COMMIT --timeout 5m`: for CI after a push, as
/// `argocd app wait --health` and `kubectl wait --for=condition=Ready`.
struct WaitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait",
        abstract: "Wait until a project is ready, healthy or has deployed a commit (for CI after a push).",
        discussion: """
            ready: Ready=True at the project's current generation (with --config-repo or STEWARD_CONFIG_REPO, the spec \
            must be the one in the config repo at --ref, fetched once as the wait starts). healthy: ready, and a health \
            check answered after the last deploy. deployed=COMMIT: ready with that app commit (a prefix of 7 or more \
            hex digits) deployed. A line is printed whenever the project's state changes. Reads the state dir \
            (beside a running controller). Exit codes: 0 met; 1 the project failed (phase error, Stalled, its deploy \
            failed, its agents wait for a person, it is suspended) or errors; 2 timed out.
            """)

    /// What to wait for.
    enum Target: Equatable, ExpressibleByArgument {
        case ready
        case healthy
        case deployed(String)

        init?(argument: String) {
            switch argument {
            case "ready": self = .ready
            case "healthy": self = .healthy
            default:
                guard argument.hasPrefix("deployed="), case let commit = String(argument.dropFirst("deployed=".count)).lowercased(),
                    commit.count >= 7, commit.count <= 64, commit.allSatisfy(\.isHexDigit)
                else { return nil }
                self = .deployed(commit)
            }
        }
    }

    @Argument(help: ArgumentHelp("The project to wait for.", valueName: "project/NAME"))
    var object: String

    @Option(name: .customLong("for"), help: ArgumentHelp("ready, healthy, or deployed=COMMIT.", valueName: "condition"))
    var target: Target = .ready

    @Option(help: ArgumentHelp("Give up after DURATION (30s, 5m, 1h).", valueName: "duration"))
    var timeout = "5m"

    @OptionGroup var global: GlobalOptions

    /// How often the state is read.
    static let pollInterval: Duration = .milliseconds(500)

    var name: String { String(object.dropFirst("project/".count)) }

    func validate() throws {
        guard object.hasPrefix("project/"), Validation.dnsLabelProblem(name) == nil else {
            throw ValidationError("expected project/NAME (a project's name), found \"\(object)\"")
        }
        guard let seconds = Validation.durationSeconds(timeout), seconds > 0 else {
            throw ValidationError("--timeout expects a duration such as 30s, 5m or 1h, found \"\(timeout)\"")
        }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let limit = Duration.seconds(Validation.durationSeconds(timeout) ?? 300)
        let wiring = Wiring(global)
        let desiredHash = try await desiredSpecHash(wiring)
        let store = try wiring.openStore(readOnly: true)
        var said = ""
        while true {
            let project = try await store.project(named: name)
            let health = project == nil ? nil : try await store.healthCheck(project: name)
            let lastDeploy = project == nil ? nil : try await store.runs(project: name, limit: 5).first { $0.kind == "deploy" }
            let verdict = Self.verdict(
                of: project, health: health, lastDeploy: lastDeploy, target: target, desiredSpecHash: desiredHash)
            let elapsed = ContinuousClock.now - started
            if verdict.line != said {
                print("\(Self.seconds(elapsed)) \(object): \(verdict.line)".escapingControlCharacters())
                said = verdict.line
            }
            switch verdict.state {
            case .met: return
            case .failed: throw ExitCode(1)
            case .waiting:
                guard elapsed < limit else {
                    print("timed out after \(timeout) waiting for \(object) to be \(Self.describe(target))")
                    throw ExitCode(2)
                }
                try? await Task.sleep(for: Self.pollInterval)
            }
        }
    }

    /// The project's spec hash in the config repo at `--ref` (fetched now), when a config repo is given; nil without.
    private func desiredSpecHash(_ wiring: Wiring) async throws -> String? {
        guard (try? global.resolvedConfigRepo()) != nil else { return nil }
        let source = try wiring.configSource(fetching: !wiring.stateIsReadOnly)
        let revision = try await source.update()
        let loaded = try await ConfigLoader(source: source, store: nil, builtinPlaybooks: wiring.playbookNames()).load(revision)
        guard let manifest = loaded.desired.projects.first(where: { $0.name == name }) else {
            throw CommandFailure("no project named \(name) in the config repo at \(revision.commit.map { String($0.prefix(12)) } ?? global.ref)"
                + (loaded.desired.diagnostics.hasErrors ? " (it has manifest errors: steward validate)" : ""))
        }
        return manifest.specHash
    }

    enum State { case waiting, met, failed }

    /// Where the project stands against `target`: the line to print and whether the wait is over.
    static func verdict(
        of project: ProjectRecord?, health: HealthCheckRecord?, lastDeploy: RunRecord?, target: Target, desiredSpecHash: String?
    ) -> (state: State, line: String) {
        guard let project else { return (.waiting, "not registered yet") }
        if let suspended = project.conditions[Condition.suspended], suspended.status == .true {
            return (.failed, "failed: suspended (\(suspended.message.firstLine())): steward resume project \(project.name)")
        }
        let ready = project.conditions[Condition.ready]
        var line = "phase \(project.phase.rawValue)"
        if let ready { line += ", Ready=\(ready.status.rawValue) \(ready.reason): \(ready.message.firstLine())" }
        let current = desiredSpecHash.map { $0 == project.specHash } ?? true
        guard current else { return (.waiting, "\(line) (its spec is not the config repo's yet)") }
        guard project.observedGeneration >= project.generation else {
            return (.waiting, "\(line) (generation \(project.generation) not observed yet)")
        }
        // Failures of the current spec: nothing will change without a person (or a new commit).
        if project.phase == .error { return (.failed, "failed: \(line)") }
        if let stalled = project.conditions[Condition.stalled], stalled.status == .true {
            return (.failed, "failed: stalled, \(stalled.reason): \(stalled.message.firstLine())")
        }
        if project.engineeringStatus == .blocked { return (.failed, "failed: its agents wait for a person (steward describe project \(project.name))") }
        if ready?.status == .false, ready?.reason == "DeployFailed" {
            // For a commit: only a failed deploy of that commit (an older failure may be what the new one replaces).
            if case .deployed(let commit) = target {
                if lastDeploy?.status != .running, lastDeploy?.commit?.lowercased().hasPrefix(commit) == true {
                    return (.failed, "failed: the deploy of \(commit) failed: \(line)")
                }
            } else {
                return (.failed, "failed: \(line)")
            }
        }
        guard ready?.status == .true else { return (.waiting, line) }
        let deployed = project.lastDeployCommit.map { String($0.prefix(12)) } ?? "-"
        switch target {
        case .ready:
            return (.met, "ready (\(deployed) deployed\(project.server.map { " on \($0)" } ?? ""))")
        case .deployed(let commit):
            guard project.lastDeployCommit?.lowercased().hasPrefix(commit) == true else {
                return (.waiting, "\(line) (deployed \(deployed), waiting for \(commit.prefix(12)))")
            }
            return (.met, "deployed \(deployed), ready")
        case .healthy:
            guard let health else { return (.waiting, "\(line) (no health check yet)") }
            if let deployedAt = project.lastDeployedAt, health.lastCheckedAt < deployedAt {
                return (.waiting, "\(line) (no health check since the deploy yet)")
            }
            guard health.lastStatus == .healthy else {
                return (.waiting, "\(line), health \(health.lastStatus.rawValue) (\(health.consecutiveFailures) failed in a row)"
                    + (health.lastError.map { ": \($0)" } ?? ""))
            }
            return (.met, "healthy (\(deployed) deployed, \(health.url) answered\(health.lastCode.map { " \($0)" } ?? ""))")
        }
    }

    static func describe(_ target: Target) -> String {
        switch target {
        case .ready: "ready"
        case .healthy: "healthy"
        case .deployed(let commit): "deployed at \(commit)"
        }
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "[%5.1fs]", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
