import Foundation
import Logging
import StewardModel

/// What one forge sync saw and changed.
public struct ForgeSyncReport: Sendable {
    public var owner: String
    public var pages = 0
    /// Pages answered 304 (unchanged since the last listing: no quota spent).
    public var notModifiedPages = 0
    public var repositories = 0
    public var discovered: [String] = []
    public var linked: [String] = []
    public var renamed: [String] = []
    public var archived: [String] = []
    public var missing: [String] = []
    public var reappeared: [String] = []
    /// Projects whose existence check failed transiently (fail_count + 1).
    public var uncertain: [String] = []
    /// Why the listing failed, when it did (a transient failure: nothing else changed).
    public var listingError: String?

    public init(owner: String) {
        self.owner = owner
    }
}

/// The github_sync heartbeat (seed 1.2): lists the owner's repositories and brings the projects in line.
///
/// New repo: a `discovered` project, unless a registered project uses it (one repo, one record: several
/// projects may deploy one repo, and none of them gets a discovered copy beside it; registration takes over a
/// discovered record of its repo). Known repo (matched by id, else by name, recording the id on every project
/// that uses it): name, archived flag updated. A repo missing from the listing is confirmed by id: 404 makes its project `missing`
/// with a critical `repo_missing` incident; a transient failure only increments the persisted `fail_count`
/// and alerts after N consecutive failures. A reappearing repo returns its project to where it was.
public struct ForgeSync: Sendable {
    public var forge: any Forge
    public var store: any StateStore & ForgeSyncStore
    /// Consecutive failures before an alert event (`thresholds.syncFailuresBeforeAlert`).
    public var alertThreshold: Int
    public var now: @Sendable () -> Date
    public var logger: Logger

    public init(
        forge: any Forge, store: any StateStore & ForgeSyncStore, alertThreshold: Int = 3,
        now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.forge = forge
        self.store = store
        self.alertThreshold = max(1, alertThreshold)
        self.now = now
        self.logger = logger
    }

    /// One sync of `owner`. - Throws: only store errors; forge failures are recorded and reported.
    public func sync(owner: String) async throws -> ForgeSyncReport {
        var report = ForgeSyncReport(owner: owner)
        var state = try await store.forgeSyncState(owner: owner) ?? ForgeSyncState(owner: owner)
        state.lastAttemptAt = now()
        let pages: [ForgePage]
        do {
            pages = try await forge.listRepositories(owner: owner, cached: try await store.forgePages(owner: owner))
        } catch {
            state.consecutiveFailures += 1
            state.lastError = "\(error)"
            report.listingError = "\(error)"
            var events: [EventRecord] = []
            if state.consecutiveFailures == alertThreshold {
                events.append(event("Forge", owner, "ForgeSyncFailing",
                    "listing \(owner)'s repositories failed \(state.consecutiveFailures) times in a row: \(error)", .warning))
            }
            try await store.save(forgeSyncState: state, events: events)
            logger.warning("forge listing failed; nothing changed", metadata: [
                "owner": "\(owner)", "fail_count": "\(state.consecutiveFailures)", "error": "\(error)",
            ])
            return report
        }
        try await store.saveForgePages(owner: owner, pages)
        report.pages = pages.count
        report.notModifiedPages = pages.filter(\.notModified).count

        let listed = pages.flatMap(\.repositories)
        report.repositories = listed.count
        var records = try await store.projects()
        // Every record a repo belongs to: the projects that use it, and at most one discovered record.
        var managedByID: [Int64: [Int]] = [:]
        var managedByRepo: [String: [Int]] = [:]
        var discoveredByID: [Int64: Int] = [:]
        for (index, record) in records.enumerated() {
            if record.phase == .discovered {
                if let id = record.githubRepoID { discoveredByID[id] = index }
                continue
            }
            // By name only until the id is known: a repo that took over the name of a renamed one is another repo.
            if let id = record.githubRepoID {
                managedByID[id, default: []].append(index)
            } else if let repo = record.repo {
                managedByRepo[repo.lowercased(), default: []].append(index)
            }
        }
        var takenNames = Set(records.map(\.name))
        var seen: Set<Int64> = []
        for repo in listed where seen.insert(repo.id).inserted && repo.owner.lowercased() == owner.lowercased() {
            let fullName = repo.fullName.lowercased()
            let managed = Array(Set((managedByID[repo.id] ?? []) + (managedByRepo[fullName] ?? []))).sorted()
            if !managed.isEmpty, let discovered = discoveredByID[repo.id] {
                // Projects use the repo under other names: no second record for it.
                let users = managed.map { records[$0].name }
                try await store.deleteProject(named: records[discovered].name, events: [event(
                    "Project", records[discovered].name, "AdoptedElsewhere",
                    "repo \(repo.fullName) is used by project\(users.count == 1 ? "" : "s") \(users.joined(separator: ", "))")])
                takenNames.remove(records[discovered].name)
            }
            if !managed.isEmpty {
                for index in managed { try await update(&records[index], with: repo, report: &report) }
            } else if let discovered = discoveredByID[repo.id] {
                try await update(&records[discovered], with: repo, report: &report)
            } else {
                let name = Self.projectName(for: repo, taken: takenNames)
                takenNames.insert(name)
                let record = ProjectRecord(
                    name: name, repo: repo.fullName, githubRepoID: repo.id, phase: .discovered, archived: repo.archived,
                    updatedAt: now())
                try await store.save(project: record, events: [event("Project", name, "Discovered",
                    "repo \(repo.fullName) (id \(repo.id)) found on the forge; a manifest adopts it")])
                report.discovered.append(name)
            }
        }

        for index in records.indices {
            guard let id = records[index].githubRepoID, !seen.contains(id), records[index].phase != .missing,
                records[index].repo?.lowercased().hasPrefix(owner.lowercased() + "/") == true
            else { continue }
            try await confirm(&records[index], id: id, report: &report)
        }

        var events: [EventRecord] = []
        if state.consecutiveFailures >= alertThreshold {
            events.append(event("Forge", owner, "ForgeSyncRecovered",
                "listing works again after \(state.consecutiveFailures) failures"))
        }
        state.consecutiveFailures = 0
        state.lastError = nil
        state.lastSuccessAt = now()
        try await store.save(forgeSyncState: state, events: events)
        logger.info("forge sync finished", metadata: [
            "owner": "\(owner)", "pages": "\(report.pages)", "not_modified": "\(report.notModifiedPages)",
            "repos": "\(report.repositories)", "discovered": "\(report.discovered.count)",
            "missing": "\(report.missing.count)", "action": "github_sync",
        ])
        return report
    }

    /// Brings a known project in line with the forge's answer.
    private func update(_ record: inout ProjectRecord, with repo: ForgeRepository, report: inout ForgeSyncReport) async throws {
        var changed = record
        var events: [EventRecord] = []
        if changed.githubRepoID == nil {
            changed.githubRepoID = repo.id
            events.append(event("Project", record.name, "RepoLinked", "repo \(repo.fullName) has id \(repo.id)"))
            report.linked.append(record.name)
        }
        if let old = changed.repo, old != repo.fullName {
            changed.repo = repo.fullName
            events.append(event("Project", record.name, "RepoRenamed", "repo \(old) is now \(repo.fullName) (id \(repo.id))"))
            report.renamed.append(record.name)
        }
        if changed.archived != repo.archived {
            changed.archived = repo.archived
            events.append(event("Project", record.name, repo.archived ? "RepoArchived" : "RepoUnarchived",
                "repo \(repo.fullName) was \(repo.archived ? "archived" : "unarchived") on the forge", repo.archived ? .warning : .normal))
            if repo.archived { report.archived.append(record.name) }
        }
        if changed.phase == .missing {
            let back = changed.resumePhase ?? .initialized
            events.append(event("Project", record.name, "PhaseChanged", "missing -> \(back.rawValue): repo \(repo.fullName) is back"))
            changed.phase = try ProjectPhase.missing.transition(to: back, resumePhase: changed.resumePhase)
            changed.resumePhase = nil
            // An active project's deployed version kept running while the repo was away: ready again. Elsewhere the
            // next pass's action for the phase says how it stands.
            changed.conditions.set(Condition.ready, back == .active ? .true : .unknown, reason: "RepoBack",
                message: "repo \(repo.fullName) is back" + (back == .active ? "" : "; work resumes at \(back.rawValue)"), at: now())
            report.reappeared.append(record.name)
            _ = try await store.updateOpenIncident(
                kind: .repoMissing, objectKind: "Project", objectName: record.name, status: .resolved,
                message: "repo \(repo.fullName) is back", at: now(), events: [])
        }
        changed.failCount = 0
        guard changed != record else { return }
        changed.updatedAt = now()
        try await store.save(project: changed, events: events)
        record = changed
    }

    /// A known repo absent from the listing: asked for by id. 404 is final; anything else is transient.
    private func confirm(_ record: inout ProjectRecord, id: Int64, report: inout ForgeSyncReport) async throws {
        let answer: ForgeLookup
        do {
            answer = try await forge.repository(id: id)
        } catch {
            record.failCount += 1
            record.updatedAt = now()
            var events: [EventRecord] = []
            if record.failCount == alertThreshold {
                events.append(event("Project", record.name, "RepoCheckFailing",
                    "could not confirm repo \(record.repo ?? "?") (id \(id)) \(record.failCount) times in a row: \(error)", .warning))
            }
            try await store.save(project: record, events: events)
            report.uncertain.append(record.name)
            return
        }
        switch answer {
        case .found(let repo):
            try await update(&record, with: repo, report: &report)
        case .notFound where record.phase == .discovered:
            // Never managed: forgetting it is all there is to do.
            try await store.deleteProject(named: record.name, events: [event("Project", record.name, "RepoGone",
                "repo \(record.repo ?? "?") (id \(id)) no longer exists; it was never managed")])
        case .notFound:
            let message = "repo \(record.repo ?? "?") (id \(id)) answered 404: deleted, or no longer visible to Steward"
            let events = [event("Project", record.name, "PhaseChanged", "\(record.phase.rawValue) -> missing: \(message)", .warning)]
            record.resumePhase = record.phase
            record.phase = try record.phase.transition(to: .missing)
            record.conditions.set(Condition.ready, .false, reason: "RepoMissing", message: message, at: now())
            record.failCount = 0
            record.updatedAt = now()
            try await store.save(project: record, events: events)
            _ = try await store.openIncident(
                IncidentRecord(kind: .repoMissing, severity: .critical, objectKind: "Project", objectName: record.name,
                    message: message, openedAt: now()),
                events: [event("Project", record.name, "IncidentOpened", "critical repo_missing: \(message)", .warning)])
            report.missing.append(record.name)
        }
    }

    private func event(
        _ kind: String, _ name: String, _ reason: String, _ message: String, _ type: EventRecord.EventType = .normal
    ) -> EventRecord {
        EventRecord(time: now(), objectKind: kind, objectName: name, type: type, reason: reason, message: message)
    }

    /// A DNS-label project name for a discovered repo: its name lowercased, other characters as `-`; the id
    /// is appended when the name is taken.
    public static func projectName(for repo: ForgeRepository, taken: Set<String>) -> String {
        var label = String(repo.name.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
        while label.contains("--") { label = label.replacingOccurrences(of: "--", with: "-") }
        label = String(label.trimmingCharacters(in: CharacterSet(charactersIn: "-")).prefix(50))
        label = String(label.trimmingCharacters(in: CharacterSet(charactersIn: "-")))
        if label.isEmpty { label = "repo" }
        return taken.contains(label) ? "\(label)-\(repo.id)" : label
    }
}
