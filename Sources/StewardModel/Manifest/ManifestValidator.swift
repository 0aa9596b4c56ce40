/// Cross-file validation: duplicate names, Server references, playbook paths against the repo tree.
///
/// Pure: works on parsed files and the tree listing. Produces the desired state, leaving out every document
/// with an error and listing the files that had errors.
public struct ManifestValidator: Sendable {
    /// Playbooks Steward ships (relative to its own `playbooks/`), the fallback for `spec.deploy.playbook`.
    public var builtinPlaybooks: Set<String>

    public init(builtinPlaybooks: Set<String>) {
        self.builtinPlaybooks = builtinPlaybooks
    }

    /// The diagnostics for a file that is not read at all (too large, or a symlink), or nil when it may be read.
    public static func unreadableFileDiagnostic(_ entry: ConfigEntry) -> Diagnostic? {
        let location = SourceLocation(file: entry.path)
        if entry.kind == .symlink {
            return .error(at: location, "manifest files must be regular files; the symlink to \"\(entry.symlinkTarget ?? "")\" is not followed")
        }
        if entry.size > ManifestParser.maxFileSize {
            return .error(at: location, "file is \(entry.size) bytes; manifest files are limited to \(ManifestParser.maxFileSize) bytes (1 MiB)")
        }
        return nil
    }

    /// The diagnostic for a git submodule where Steward reads files (`manifests/`, `playbooks/`, or the repo's
    /// root), or nil for one elsewhere (a docs theme is none of Steward's business). Its files are never read.
    public static func submoduleDiagnostic(_ entry: ConfigEntry, severity: Diagnostic.Severity) -> Diagnostic? {
        let path = entry.path
        let folder = ["manifests", "playbooks"].first { path == $0 || path.hasPrefix($0 + "/") }
        guard folder != nil || !path.contains("/") else { return nil }
        let commit = entry.blobID.count == 40 ? " (commit \(entry.blobID.prefix(12)))" : ""
        return Diagnostic(
            severity, at: SourceLocation(file: path),
            "this is a git submodule\(commit); Steward reads only the config repo's own files, so nothing in it is "
                + "read: commit its \(folder ?? "manifests") into this repo instead")
    }

    /// Builds the desired state from every parsed file of a snapshot.
    /// - Parameters:
    ///   - files: parsed files (steward.yaml and manifests), any order.
    ///   - entries: the whole tree listing, for playbook and symlink checks.
    ///   - extraDiagnostics: problems found before parsing (unreadable files).
    public func validate(files: [String: ParsedFile], entries: [ConfigEntry], extraDiagnostics: [Diagnostic] = []) -> DesiredState {
        var desired = DesiredState()
        var diagnostics = extraDiagnostics
        let paths = files.keys.sorted()
        for path in paths { diagnostics += files[path]!.diagnostics }
        if let settingsPath = paths.first(where: ManifestParser.isSettingsFile), let settings = files[settingsPath]?.settings {
            desired.settings = settings
        }

        var serverDefinitions: [String: SourceLocation] = [:]
        for path in paths {
            for server in files[path]!.servers {
                let location = server.location
                if let first = serverDefinitions[server.name] {
                    diagnostics.append(.error(at: location, "duplicate Server \"\(server.name)\"; it is already defined at \(first), "
                        + "and names must be unique per kind"))
                    continue
                }
                serverDefinitions[server.name] = location
                desired.servers.append(server)
            }
        }
        // A Server in a file with errors is left out; a Project naming it should say so rather than only "no Server".
        let filesWithErrors = Set(diagnostics.filter { $0.severity == .error }.map(\.location.file)).sorted()

        let tree = Dictionary(entries.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        let serverNames = Array(serverDefinitions.keys)
        var projectDefinitions: [String: SourceLocation] = [:]
        // Most projects share a playbook: resolve each distinct path once.
        var playbookProblems: [String: String?] = [:]
        for path in paths {
            for project in files[path]!.projects {
                let location = project.fieldLocations["metadata.name"] ?? project.location
                if let first = projectDefinitions[project.name] {
                    diagnostics.append(.error(at: location, "duplicate Project \"\(project.name)\"; it is already defined at \(first), "
                        + "and names must be unique per kind"))
                    continue
                }
                projectDefinitions[project.name] = location
                var problems: [Diagnostic] = []
                if let server = project.spec.server, serverDefinitions[server] == nil {
                    let hint = didYouMean(server, among: serverNames)
                    let broken = filesWithErrors.isEmpty || !hint.isEmpty
                        ? "" : "; Servers in files with errors (\(filesWithErrors.joined(separator: ", "))) are not counted"
                    problems.append(.error(
                        at: project.fieldLocations["spec.server"] ?? project.location,
                        "spec.server \"\(server)\" names no Server manifest\(hint)\(broken)"))
                }
                let playbook = project.spec.deploy.playbook
                if playbookProblems[playbook] == nil { playbookProblems[playbook] = playbookProblem(playbook, tree: tree) }
                if let problem = playbookProblems[playbook]! {
                    problems.append(.error(
                        at: project.fieldLocations["spec.deploy.playbook"] ?? project.location,
                        "spec.deploy.playbook \"\(project.spec.deploy.playbook)\" \(problem)"))
                }
                diagnostics += problems
                if problems.isEmpty { desired.projects.append(project) }
            }
        }
        diagnostics += dependencyProblems(&desired.projects, defined: projectDefinitions)
        desired.diagnostics = diagnostics.sortedForDisplay()
        desired.brokenFiles = Set(desired.diagnostics.filter { $0.severity == .error }.map(\.location.file))
        return desired
    }

    /// `spec.dependsOn`: a name that is no Project, and every cycle, are errors at the entry that names them; the
    /// projects concerned are left out (they would wait forever), the others reconcile.
    func dependencyProblems(_ projects: inout [ProjectManifest], defined: [String: SourceLocation]) -> [Diagnostic] {
        // Most repos declare no dependsOn at all: nothing to index or walk then (10,000 projects validate on every pass).
        guard projects.contains(where: { $0.spec.dependsOn != nil }) else { return [] }
        var problems: [Diagnostic] = []
        var excluded: Set<String> = []
        let byName = Dictionary(projects.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Array(defined.keys)
        func location(_ project: ProjectManifest, _ index: Int) -> SourceLocation {
            project.fieldLocations["spec.dependsOn[\(index)]"] ?? project.location
        }
        for project in projects {
            for (index, dependency) in (project.spec.dependsOn ?? []).enumerated() where defined[dependency] == nil {
                problems.append(.error(at: location(project, index),
                    "spec.dependsOn names no Project \"\(dependency)\"\(didYouMean(dependency, among: names))"))
                excluded.insert(project.name)
            }
        }
        // Cycles, each reported once (at the entry of each of its projects that continues it).
        var state: [String: Int] = [:]  // 1 on the path, 2 done
        var path: [String] = []
        var reported: Set<String> = []
        func visit(_ name: String) {
            state[name] = 1
            path.append(name)
            for (index, dependency) in (byName[name]?.spec.dependsOn ?? []).enumerated() where byName[dependency] != nil {
                if state[dependency] == 1 {
                    // Said at every member's entry: each file then has the error, so none of them is taken for removed.
                    let cycle = Array(path[path.lastIndex(of: dependency)!...])
                    if reported.isDisjoint(with: cycle) {
                        let text = (cycle + [dependency]).joined(separator: " -> ")
                        for (position, member) in cycle.enumerated() {
                            let next = position + 1 < cycle.count ? cycle[position + 1] : dependency
                            let entry = member == name ? index : byName[member]!.spec.dependsOn!.firstIndex(of: next)!
                            problems.append(.error(at: location(byName[member]!, entry),
                                "spec.dependsOn makes a cycle: \(text); none of these projects can deploy first"))
                        }
                    }
                    reported.formUnion(cycle)
                } else if state[dependency] == nil {
                    visit(dependency)
                }
            }
            path.removeLast()
            state[name] = 2
        }
        for project in projects where project.spec.dependsOn != nil && state[project.name] == nil { visit(project.name) }
        excluded.formUnion(reported)
        projects.removeAll { excluded.contains($0.name) }
        return problems
    }

    /// Why `playbooks/<playbook>` is unusable, or nil. Follows symlinks in the tree; the result must stay
    /// inside `playbooks/`.
    func playbookProblem(_ playbook: String, tree: [String: ConfigEntry]) -> String? {
        var components = ["playbooks"] + playbook.split(separator: "/").map(String.init)
        var index = 0
        var hops = 0
        var via: String?
        while index < components.count {
            let prefix = components[0...index].joined(separator: "/")
            guard let entry = tree[prefix], entry.kind == .symlink else {
                index += 1
                continue
            }
            hops += 1
            guard hops <= 40 else { return "has a symlink loop at \(prefix)" }
            let target = entry.symlinkTarget ?? ""
            via = "\(prefix) -> \(target)"
            if target.hasPrefix("/") { return "resolves through symlink \(via!), outside the repository" }
            // The target is relative to the symlink's directory.
            var base = Array(components[0..<index])
            for part in target.split(separator: "/") {
                if part == "." || part.isEmpty { continue }
                if part == ".." {
                    guard !base.isEmpty else { return "resolves through symlink \(via!), outside the repository" }
                    base.removeLast()
                } else {
                    base.append(String(part))
                }
            }
            components = base + components[(index + 1)...]
            index = 0
        }
        let finalPath = components.joined(separator: "/")
        guard components.first == "playbooks", components.count > 1 else {
            return "resolves through symlink \(via ?? finalPath) to \(finalPath), outside playbooks/"
        }
        if let entry = tree[finalPath], entry.kind != .symlink { return nil }
        if let via { return "resolves through symlink \(via) to \(finalPath), which does not exist" }
        if builtinPlaybooks.contains(playbook) { return nil }
        let available = builtinPlaybooks.sorted().joined(separator: ", ")
        return "is neither in the config repo's playbooks/ nor one of Steward's playbooks (\(available))"
    }
}
