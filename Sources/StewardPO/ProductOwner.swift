import Foundation
import StewardCore
import StewardModel

/// What the PO reads from Steward's state.
public typealias ProductOwnerStore = StateStore & HealthStore & ForgeSyncStore & IncidentAcknowledgementStore

/// The Product Owner agent (docs/ARCHITECTURE.md §5): understands a person's message (New / Status / Update / Fix) and
/// acts through its tools: `listProjects`, `projectStatus`, `createProjectIntent` (a new manifest committed to
/// the config repo), `requestChange` (a change request appended to a manifest, committed) and `fixAdvice`.
///
/// Every answer starts with the incidents the person has not been shown yet; they are marked seen once the
/// answer is made, so each is reported once.
public struct ProductOwner: Sendable {
    /// Reads a message as an intent (builtin rules or a chat endpoint).
    public let classifier: any IntentClassifier
    /// Steward's state: projects, health, incidents and their seen marks.
    public let store: any ProductOwnerStore
    /// nil when no config repo was given: new and update then fail saying so.
    public let configRepo: (any ConfigRepoWriter)?
    /// The forge owner of new projects' repos (`OWNER/NAME`), or why there is none (asked for by `new` only).
    public let repoOwner: Result<String, ProductOwnerError>
    /// The Recovery agent for a project or server (all open incidents when nil): what it did, and whether every
    /// incident ended resolved. nil: Fix only lists the incidents and how to repair each by hand.
    public var recover: (@Sendable (String?) async throws -> (text: String, allResolved: Bool))?
    private let now: @Sendable () -> Date

    public init(
        classifier: any IntentClassifier, store: any ProductOwnerStore, configRepo: (any ConfigRepoWriter)?,
        repoOwner: Result<String, ProductOwnerError>,
        recover: (@Sendable (String?) async throws -> (text: String, allResolved: Bool))? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.recover = recover
        self.classifier = classifier
        self.store = store
        self.configRepo = configRepo
        self.repoOwner = repoOwner
        self.now = now
    }

    /// Answers one message.
    /// - Throws: `ProductOwnerError` (not understood, a backend failure, a refused edit) or a store/git error;
    ///   unseen incidents then stay unseen, to be reported by the next answer.
    public func handle(_ message: String) async throws -> ProductOwnerAnswer {
        let unseen = try await store.unacknowledgedIncidents()
        let names = try await store.projects(withDetails: false).map(\.name)
        let intent = try await classifier.classify(message, projects: names)
        var answer: ProductOwnerAnswer
        switch intent.kind {
        case .new:
            answer = try await createProjectIntent(intent, request: message)
        case .status:
            answer = try await statusAnswer(intent)
        case .update:
            answer = try await requestChange(intent)
        case .fix:
            answer = try await fixAdvice(intent)
        }
        answer.newIncidents = unseen
        try await store.acknowledgeIncidents(ids: unseen.compactMap(\.id), at: now())
        return answer
    }

    // MARK: - Tools

    /// `list_projects`: every project Steward knows, with its phase, health and open incidents.
    public func listProjects() async throws -> [ProjectStatus] {
        let projects = try await store.projects()
        let health = Dictionary(try await store.healthChecks().map { ($0.project, $0) }, uniquingKeysWith: { first, _ in first })
        let incidents = try await store.incidents(openOnly: true)
        return projects.map { record in
            ProjectStatus(record: record, health: health[record.name],
                openIncidents: incidents.filter { $0.objectKind == "Project" && $0.objectName == record.name })
        }
    }

    /// `get_project_status`: one project from the store. - Returns: nil when Steward has no such project.
    public func projectStatus(_ name: String) async throws -> ProjectStatus? {
        guard let record = try await store.project(named: name) else { return nil }
        let incidents = try await store.incidents(openOnly: true).filter { $0.objectKind == "Project" && $0.objectName == name }
        return ProjectStatus(record: record, health: try await store.healthCheck(project: name), openIncidents: incidents)
    }

    /// `create_project_intent`: commits `manifests/NAME.yaml` (name, repo `OWNER/NAME`, brief, stage active,
    /// no server) to the config repo; the controller registers the project on its next pass.
    public func createProjectIntent(_ intent: Intent, request: String) async throws -> ProductOwnerAnswer {
        guard let brief = intent.brief, !brief.isEmpty else { throw ProductOwnerError("a new project needs a brief: what to build") }
        guard let name = intent.project ?? ProjectNaming.name(forBrief: brief) else {
            throw ProductOwnerError("could not make a project name from \"\(brief)\"; say \"new project NAME: \(brief)\"")
        }
        if let existing = try await store.project(named: name) {
            throw ProductOwnerError("a project named \(name) already exists (phase \(existing.phase.rawValue)); ask for its status, "
                + "or for a change with \"\(name): …\", or name the new one with \"new project OTHER-NAME: \(brief)\"")
        }
        let configRepo = try requireConfigRepo("create a project")
        let repo = "\(try repoOwner.get())/\(name)"
        let path = ProjectManifestText.path(forProject: name)
        let text = ProjectManifestText.newProject(name: name, repo: repo, brief: brief, request: request)
        let parsed = ManifestParser().parse(path: path, data: Data(text.utf8))
        guard parsed.projects.map(\.name) == [name], !parsed.diagnostics.hasErrors else {
            throw ProductOwnerError("the manifest written for \(name) does not validate: "
                + parsed.diagnostics.map(\.description).joined(separator: "; "))
        }
        let commit = try await configRepo.commit(path: path, message: "Add project \(name): \(Self.oneLine(brief))") { current in
            if current != nil {
                throw ProductOwnerError("\(path) already exists in the config repo; ask for an update of \(name) instead, "
                    + "or name the new project with \"new project OTHER-NAME: \(brief)\"")
            }
            return Data(text.utf8)
        }
        return ProductOwnerAnswer(
            intent: intent,
            text: "New project \(name) (repo \(repo)): committed \(path) as \(commit)\(configRepo.pushes ? " and pushed it" : ""). "
                + "Steward registers it on its next reconcile (`steward reconcile --once`, or within intervals.configRepo "
                + "under `steward run`); a server is chosen by placement.",
            project: name, commit: commit, manifestPath: path)
    }

    /// Appends a change request to the project's manifest, committed to the config repo.
    public func requestChange(_ intent: Intent) async throws -> ProductOwnerAnswer {
        guard let name = intent.project, let change = intent.change, !change.isEmpty else {
            throw ProductOwnerError("a change needs a project and a description, e.g. \"url-shortener: add a /stats endpoint\"")
        }
        guard let record = try await store.project(named: name) else {
            throw ProductOwnerError("Steward has no project named \(name); `steward ask \"status\"` lists the projects it knows")
        }
        guard let path = record.manifestPath, !record.orphaned else {
            throw ProductOwnerError("project \(name) has no manifest in the config repo (it was only discovered on the forge); "
                + "create one first with \"new project \(name): …\"")
        }
        let configRepo = try requireConfigRepo("request a change")
        let ids = IDBox()
        let commit = try await configRepo.commit(path: path, message: "Change request for \(name): \(Self.oneLine(change))") { current in
            guard let current else {
                throw ProductOwnerError("\(path) is not in the config repo any more; run `steward reconcile --once` and ask again")
            }
            let edited = try ManifestChangeEditor().appendChange(
                to: String(decoding: current, as: UTF8.self), path: path, project: name, description: change)
            ids.set(edited.id)
            return Data(edited.text.utf8)
        }
        let id = ids.get() ?? "?"
        return ProductOwnerAnswer(
            intent: intent,
            text: "Change request \(id) added to \(name) in \(path), committed as \(commit)\(configRepo.pushes ? " and pushed" : ""). "
                + "Steward sees it on its next reconcile.",
            project: name, commit: commit, manifestPath: path, changeID: id)
    }

    /// `status`: one project, or every project when the intent names none.
    public func statusAnswer(_ intent: Intent) async throws -> ProductOwnerAnswer {
        guard let name = intent.project else {
            let all = try await listProjects()
            let text = all.isEmpty ? "Steward has no projects yet; say \"new project: …\" to start one."
                : "\(all.count) project(s):\n" + all.map { "  " + $0.summary }.joined(separator: "\n")
            return ProductOwnerAnswer(intent: intent, text: text, projects: all)
        }
        guard let status = try await projectStatus(name) else {
            return ProductOwnerAnswer(
                intent: intent,
                text: "Steward has no project named \(name). A manifest committed but not reconciled yet appears after "
                    + "the next reconcile; `steward ask \"status\"` lists the known projects.",
                project: name)
        }
        return ProductOwnerAnswer(intent: intent, text: status.details, project: name, projects: [status])
    }

    /// `fix`: starts the Recovery agent for the open incidents of the project or server (all when none is named)
    /// and reports what it did; without one, lists them and what repairs each by hand.
    public func fixAdvice(_ intent: Intent) async throws -> ProductOwnerAnswer {
        let open = try await store.incidents(openOnly: true).filter { intent.project == nil || $0.objectName == intent.project }
        // As `steward fix NAME`: a name Steward does not know (no record, no open incident) is an error, not
        // "nothing to fix".
        if let name = intent.project, open.isEmpty, try await store.project(named: name) == nil, try await store.server(named: name) == nil {
            throw ProductOwnerError("no project or server named \(name) is registered (`steward get projects`, `steward get servers`)")
        }
        let subject = intent.project ?? "any project or server"
        guard !open.isEmpty else {
            return ProductOwnerAnswer(intent: intent, text: "No open incidents for \(subject); nothing to fix.", project: intent.project)
        }
        if let recover {
            let result = try await recover(intent.project)
            let statuses = try await listProjects().filter { status in
                open.contains { $0.objectKind == "Project" && $0.objectName == status.name }
            }
            let headline = result.allResolved ? "Recovered \(subject):" : "Recovery of \(subject) did not resolve everything:"
            return ProductOwnerAnswer(
                intent: intent, text: headline + "\n" + result.text, project: intent.project, projects: statuses)
        }
        var lines = ["Open incidents for \(subject):"]
        for incident in open.reversed() {
            lines.append("  #\(incident.id ?? 0) \(incident.severity.rawValue) \(incident.kind.rawValue) on "
                + "\(incident.objectKind) \(incident.objectName) (\(incident.status.rawValue)): \(incident.message)")
            lines.append("    to fix it today: \(Self.remedy(for: incident))")
        }
        lines.append("Nothing was changed: `steward fix \(intent.project ?? "NAME")` starts the Recovery agent.")
        let statuses = try await listProjects().filter { status in open.contains { $0.objectKind == "Project" && $0.objectName == status.name } }
        return ProductOwnerAnswer(intent: intent, text: lines.joined(separator: "\n"), project: intent.project, projects: statuses)
    }

    /// The `steward` commands that repair an incident of this kind with what exists today.
    static func remedy(for incident: IncidentRecord) -> String {
        let name = incident.objectName
        switch incident.kind {
        case .repoMissing:
            return "create the repo on the forge (local forge: `git init --bare FORGE/OWNER/NAME.git`) or correct spec.repo "
                + "in the manifest, then `steward reconcile --once`"
        case .serverUnreachable:
            return "make \(name) reachable over SSH (network, sshd, the deploy key), then `steward sync servers --once` "
                + "checks it again (a reachable server recovers by itself)"
        case .provisioningFailed:
            return "see the failed task with `steward describe server \(name)`, correct the cause, "
                + "then `steward sync servers --once --reprovision \(name)`"
        case .hostKeyChanged:
            return "check why \(name)'s SSH host key changed; if the new key is right, pin it as spec.hostKey in its manifest "
                + "and commit: Steward never accepts a changed key by itself"
        case .serviceDown:
            return "`steward reconcile --once` redeploys an active project the health checker declared down; "
                + "`steward describe project \(name)` shows the last health result"
        case .deployFailed:
            return "`steward describe project \(name)` shows the failed task; correct the cause (code, spec.deploy, secrets), "
                + "then `steward reconcile --once`"
        }
    }

    private func requireConfigRepo(_ action: String) throws -> any ConfigRepoWriter {
        guard let configRepo else {
            throw ProductOwnerError("to \(action) the PO commits to the config repo: pass --config-repo PATH|URL or set STEWARD_CONFIG_REPO")
        }
        return configRepo
    }

    private static func oneLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return line.count > 72 ? String(line.prefix(71)) + "…" : line
    }
}

/// Carries the change id out of the (Sendable) edit closure.
private final class IDBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?

    func set(_ id: String) { lock.withLock { value = id } }
    func get() -> String? { lock.withLock { value } }
}
