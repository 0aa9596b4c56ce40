import Foundation

/// Parses one config repo file into manifests, keeping source positions for every problem.
///
/// Pure: no I/O. A document with any error is left out of the result (its problems are reported);
/// the other documents of the file are kept.
public struct ManifestParser: Sendable {
    /// The only apiVersion this Steward understands.
    public static let apiVersion = "steward/v1"
    /// Largest file accepted, in bytes (1 MiB).
    public static let maxFileSize = 1 << 20
    /// Bumped when parsing changes, so cached results of older parsers are not reused.
    public static let version = 11

    public init() {}

    /// Parses `data` read from `path`. `steward.yaml` holds Settings; anything else Projects and Servers.
    public func parse(path: String, data: Data) -> ParsedFile {
        let context = DecodeContext(file: path)
        guard data.count <= Self.maxFileSize else {
            context.diagnostics.append(.error(
                at: SourceLocation(file: path),
                "file is \(data.count) bytes; manifest files are limited to \(Self.maxFileSize) bytes (1 MiB)"))
            return ParsedFile(diagnostics: context.diagnostics)
        }
        let text = YAMLSourceText(Array(data))
        if let problem = text.encodingProblem() {
            let position = text.position(ofByte: problem.offset)
            context.diagnostics.append(.error(
                at: SourceLocation(file: path, line: position.line, column: position.column), problem.message))
            return ParsedFile(diagnostics: context.diagnostics)
        }
        let (documents, problems) = YAMLComposer().compose(data)
        for problem in problems {
            context.diagnostics.append(.error(
                at: SourceLocation(file: path, line: problem.line, column: problem.column), problem.message))
        }
        var result = ParsedFile()
        let isSettingsFile = Self.isSettingsFile(path)
        var settingsDocumentSeen = false
        for document in documents {
            // An empty document (a trailing `---`) declares nothing.
            guard let root = document.root, !root.isNull else { continue }
            let before = context.diagnostics.count
            if isSettingsFile {
                guard !settingsDocumentSeen else {
                    context.error(root, "steward.yaml must hold one Settings document; found another one here")
                    continue
                }
                settingsDocumentSeen = true
                let settings = decodeSettings(root, context: context)
                // A document with a composing problem (a duplicate key) is not used either.
                if context.diagnostics.count == before, !document.hasProblems {
                    result.settings = settings
                }
                continue
            }
            switch decodeManifest(root, context: context) {
            case .project(let project)? where context.diagnostics.count == before && !document.hasProblems:
                result.projects.append(project)
            case .server(let server)? where context.diagnostics.count == before && !document.hasProblems:
                result.servers.append(server)
            default:
                break
            }
        }
        result.diagnostics = context.diagnostics.sortedForDisplay()
        return result
    }

    /// Whether `path` is the controller settings file at the repo root.
    public static func isSettingsFile(_ path: String) -> Bool {
        path == "steward.yaml" || path == "steward.yml"
    }

    /// Whether `path` is a manifest: `*.yaml`/`*.yml` anywhere under `manifests/`.
    public static func isManifestFile(_ path: String) -> Bool {
        path.hasPrefix("manifests/") && (path.hasSuffix(".yaml") || path.hasSuffix(".yml"))
    }

    // MARK: - Documents

    private enum Decoded {
        case project(ProjectManifest)
        case server(ServerManifest)
    }

    private func decodeManifest(_ root: YAMLNode, context: DecodeContext) -> Decoded? {
        guard case .mapping = root.content else {
            context.error(root, "expected a manifest (a mapping with apiVersion, kind, metadata and spec), found \(root.kindDescription)")
            return nil
        }
        guard var document = MappingReader(root, path: "", context: context) else { return nil }
        let knownKinds = ["Project", "Server"]
        let apiVersionOK = checkAPIVersion(&document, required: true)
        let kind = document.string("kind", required: true, expected: "expected one of \(knownKinds.joined(separator: ", "))")
        guard let kind, apiVersionOK else {
            _ = document.value("metadata")
            _ = document.value("spec")
            document.finish()
            return nil
        }
        guard knownKinds.contains(kind) else {
            let location = document.location(of: "kind") ?? context.location(root)
            let hint = kind == "Settings" ? "; Settings belong in steward.yaml at the repo root" : didYouMean(kind, among: knownKinds)
            context.diagnostics.append(.error(at: location, "unknown kind \"\(kind)\"\(hint); expected one of Project, Server"))
            return nil
        }
        var fieldLocations: [String: SourceLocation] = [:]
        let metadata = decodeMetadata(&document, context: context, fieldLocations: &fieldLocations)
        let location = context.location(root)
        defer { document.finish() }
        if kind == "Project" {
            guard var spec = document.mapping("spec", required: true, expected: "expected a mapping with at least repo") else {
                return nil
            }
            let decoded = decodeProjectSpec(&spec, fieldLocations: &fieldLocations)
            spec.finish()
            guard let metadata, let decoded else { return nil }
            return .project(ProjectManifest(metadata: metadata, spec: decoded, location: location, fieldLocations: fieldLocations))
        }
        guard var spec = document.mapping("spec", required: true, expected: "expected a mapping with at least address") else {
            return nil
        }
        let decoded = decodeServerSpec(&spec)
        spec.finish()
        guard let metadata, let decoded else { return nil }
        // Server field locations are not kept by the parse cache (ParsedFile+Binary), so none are recorded: the
        // validator's messages must not depend on whether a file came from the cache.
        return .server(ServerManifest(metadata: metadata, spec: decoded, location: location))
    }

    private func checkAPIVersion(_ document: inout MappingReader, required: Bool) -> Bool {
        let expected = "expected \"apiVersion: \(Self.apiVersion)\""
        guard let version = document.string("apiVersion", required: required, expected: expected) else { return !required }
        guard version == Self.apiVersion else {
            document.context.diagnostics.append(.error(
                at: document.location(of: "apiVersion")!,
                "unknown apiVersion \"\(version)\"; expected \(Self.apiVersion)"))
            return false
        }
        return true
    }

    /// Decodes `metadata`, recording where `metadata.name`'s value is (for duplicate-name errors).
    private func decodeMetadata(
        _ document: inout MappingReader, context: DecodeContext, fieldLocations: inout [String: SourceLocation]
    ) -> Metadata? {
        guard var metadata = document.mapping("metadata", required: true, expected: "expected a mapping with name") else {
            return nil
        }
        defer { metadata.finish() }
        // Read every field before giving up on the name, so none of them is reported as unknown.
        let name = metadata.string("name", required: true, expected: "expected a DNS label such as \"weather-bot\"")
        let labels = metadata.stringMap("labels") ?? [:]
        guard let name else { return nil }
        fieldLocations["metadata.name"] = metadata.location(of: "name")
        if let problem = Validation.dnsLabelProblem(name) {
            context.diagnostics.append(.error(
                at: metadata.location(of: "name")!,
                "metadata.name \"\(name)\" is not a valid DNS label (it \(problem)): expected at most 63 lowercase letters, "
                    + "digits and '-', starting and ending with a letter or digit"))
            return nil
        }
        return Metadata(name: name, labels: labels)
    }

    // MARK: - Project

    private func decodeProjectSpec(
        _ spec: inout MappingReader, fieldLocations: inout [String: SourceLocation]
    ) -> ProjectSpec? {
        let context = spec.context
        let errorsBefore = context.diagnostics.count
        var result = ProjectSpec(repo: "")
        if let repo = spec.string("repo", required: true, expected: "expected OWNER/NAME of the project's repository") {
            if Validation.isRepoName(repo) {
                result.repo = repo
            } else {
                context.diagnostics.append(.error(
                    at: spec.location(of: "repo")!,
                    "spec.repo \"\(repo)\" must be OWNER/NAME (letters, digits, '.', '-', '_')" + repoHint(repo)))
            }
        }
        result.brief = spec.string("brief")
        if let items = spec.sequence("changes") {
            var seen: [String: (index: Int, location: SourceLocation)] = [:]
            for (index, item) in items.enumerated() {
                guard var change = MappingReader(item, path: "spec.changes[\(index)]", context: context) else { continue }
                let id = change.string("id", required: true)
                let description = change.string("description", required: true)
                change.finish()
                guard let id, let description else { continue }
                if let first = seen[id] {
                    context.diagnostics.append(.error(
                        at: change.location(of: "id")!,
                        "spec.changes[\(index)].id: duplicate change id \"\(id)\"; spec.changes[\(first.index)] at line "
                            + "\(first.location.line) already uses it, and each change needs its own id"))
                } else {
                    seen[id] = (index, change.location(of: "id")!)
                }
                result.changes.append(ProjectSpec.Change(id: id, description: description))
            }
        }
        if let stage = spec.choice("stage", ProjectSpec.Stage.self) { result.stage = stage }
        if let ref = spec.string("ref") {
            if Validation.isRefName(ref) {
                result.ref = ref
            } else {
                context.diagnostics.append(.error(at: spec.location(of: "ref")!, "spec.ref \"\(ref)\" is not a valid git ref name"))
            }
        }
        if let server = spec.string("server") {
            fieldLocations["spec.server"] = spec.location(of: "server")
            result.server = server
        }
        if var resources = spec.mapping("resources") {
            if let memory = resources.int("memoryMB", in: 1...1_048_576) { result.resources.memoryMB = memory }
            if let ports = resources.int("ports", in: 0...100) { result.resources.ports = ports }
            resources.finish()
        }
        if var deploy = spec.mapping("deploy") {
            if let playbook = deploy.string("playbook") {
                fieldLocations["spec.deploy.playbook"] = deploy.location(of: "playbook")
                if let problem = Validation.playbookPathProblem(playbook) {
                    context.diagnostics.append(.error(
                        at: deploy.location(of: "playbook")!, "spec.deploy.playbook \"\(playbook)\" \(problem)"))
                } else {
                    result.deploy.playbook = playbook
                }
            } else {
                fieldLocations["spec.deploy.playbook"] = context.location(deploy.node)
            }
            if let strategy = deploy.choice("strategy", ProjectSpec.Deploy.Strategy.self) {
                result.deploy.strategy = strategy
                fieldLocations["spec.deploy.strategy"] = deploy.location(of: "strategy")
            }
            if let health = deploy.string("healthPath") {
                // Say what is wrong: the missing '/', or the whitespace a URL path cannot hold.
                let problem = !health.hasPrefix("/") ? "must be a path starting with '/'"
                    : health.contains(where: \.isWhitespace) ? "must not contain spaces or other whitespace (write %20 for a space)" : nil
                if let problem {
                    context.diagnostics.append(.error(
                        at: deploy.location(of: "healthPath")!, "spec.deploy.healthPath \"\(health)\" \(problem)"))
                } else {
                    result.deploy.healthPath = health
                }
            }
            result.deploy.command = deploy.string("command")
            deploy.finish()
        } else {
            fieldLocations["spec.deploy.playbook"] = context.location(spec.node)
        }
        if let env = spec.string("env") {
            // Every line that is not KEY=VALUE and every bad secret reference, each where it is (EnvFile).
            let problems = EnvFile.parse(env).problems
            for problem in problems {
                context.diagnostics.append(.error(
                    at: spec.location(of: "env", line: problem.line)!, "spec.env line \(problem.line + 1): \(problem.message)"))
            }
            if problems.isEmpty { result.env = env }
        }
        if let suspend = spec.bool("suspend") { result.suspend = suspend }
        if let selfHeal = spec.bool("selfHeal") { result.selfHeal = selfHeal }
        if let items = spec.sequence("dependsOn") {
            var names: [String] = []
            for (index, item) in items.enumerated() {
                guard let name = item.scalar else {
                    context.error(item, "spec.dependsOn[\(index)]: expected a project name, found \(item.kindDescription)")
                    continue
                }
                if let problem = Validation.dnsLabelProblem(name) {
                    context.error(item, "spec.dependsOn[\(index)] \"\(name)\" is not a project name (it \(problem))")
                } else if names.contains(name) {
                    context.error(item, "spec.dependsOn names \"\(name)\" twice")
                } else {
                    names.append(name)
                    fieldLocations["spec.dependsOn[\(names.count - 1)]"] = context.location(item)
                }
            }
            result.dependsOn = names.isEmpty ? nil : names
        }
        if var agents = spec.mapping("agents") {
            if let write = agents.choice("write", ProjectSpec.Agents.Write.self) { result.agents = ProjectSpec.Agents(write: write) }
            agents.finish()
        }
        return context.diagnostics.count == errorsBefore ? result : nil
    }

    // MARK: - Server

    private func decodeServerSpec(_ spec: inout MappingReader) -> ServerSpec? {
        let context = spec.context
        let errorsBefore = context.diagnostics.count
        var result = ServerSpec(address: "")
        if let address = spec.string("address", required: true, expected: "expected the server's host name or IP address") {
            if address.contains(where: { $0.isWhitespace || $0 == "/" }) {
                context.diagnostics.append(.error(
                    at: spec.location(of: "address")!, "spec.address \"\(address)\" must be a host name or IP address"))
            } else {
                result.address = address
            }
        }
        if let port = spec.int("port", in: 1...65535) { result.port = port }
        if let user = spec.string("user") {
            if Validation.isUserName(user) {
                result.user = user
            } else {
                context.diagnostics.append(.error(at: spec.location(of: "user")!, "spec.user \"\(user)\" is not a valid user name"))
            }
        }
        if let user = spec.string("bootstrapUser") {
            if Validation.isUserName(user) {
                result.bootstrapUser = user
            } else {
                context.diagnostics.append(.error(
                    at: spec.location(of: "bootstrapUser")!, "spec.bootstrapUser \"\(user)\" is not a valid user name"))
            }
        }
        if let connection = spec.choice("connection", ServerSpec.Connection.self) { result.connection = connection }
        if let hostKey = spec.string("hostKey") {
            if let problem = Validation.hostKeyProblem(hostKey) {
                let shown = hostKey.count > 40 ? String(hostKey.prefix(40)) + "…" : hostKey
                context.diagnostics.append(.error(
                    at: spec.location(of: "hostKey")!,
                    "spec.hostKey \"\(shown)\" \(problem); expected \"TYPE BASE64\" as in a .pub file, e.g. \"ssh-ed25519 AAAAC3Nza…\""))
            } else {
                result.hostKey = hostKey
            }
        }
        if var capacity = spec.mapping("capacity") {
            if let memory = capacity.int("memoryMB", in: 1...16_777_216) { result.capacity.memoryMB = memory }
            if let node = capacity.value("ports") {
                if let text = node.scalar, let range = PortRange(parsing: text) {
                    result.capacity.ports = range
                } else {
                    let reason = node.scalar.map { " (\(portRangeProblem($0)))" } ?? ""
                    context.error(node, "spec.capacity.ports: expected a port range \"LOW-HIGH\" with 1 <= LOW <= HIGH <= 65535, "
                        + "found \(node.kindDescription)\(reason)")
                }
            }
            capacity.finish()
        }
        result.labels = spec.stringMap("labels") ?? [:]
        return context.diagnostics.count == errorsBefore ? result : nil
    }

    /// Why `text` is not a port range, for the error message.
    private func portRangeProblem(_ text: String) -> String {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count <= 2 else { return "more than one '-'" }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty else { return parts.count == 2 ? "a bound is missing" : "it is empty" }
            guard part.allSatisfy(\.isASCIIDigit), let number = Int(part.prefix(9)) else { return "\"\(part)\" is not a number" }
            guard (1...65535).contains(number) else { return "\(part) is not a port number" }
            numbers.append(number)
        }
        return numbers.count == 2 ? "\(numbers[0]) is above \(numbers[1])" : "it is not a range"
    }

    /// ` (did you mean "OWNER/NAME"?)` for a repository written as a URL or an SSH remote.
    private func repoHint(_ repo: String) -> String {
        var path = repo
        if let scheme = path.range(of: "://") { path = String(path[scheme.upperBound...]) }
        if let colon = path.lastIndex(of: ":"), path.hasPrefix("git@") { path = String(path[path.index(after: colon)...]) }
        if path.hasSuffix(".git") { path.removeLast(4) }
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return "" }
        let candidate = parts.suffix(2).joined(separator: "/")
        return candidate != repo && Validation.isRepoName(candidate) ? " (did you mean \"\(candidate)\"?)" : ""
    }

    // MARK: - Settings

    private func decodeSettings(_ root: YAMLNode, context: DecodeContext) -> Settings {
        var settings = Settings()
        guard case .mapping = root.content else {
            context.error(root, "expected controller settings (a mapping with kind: Settings and fields such as forge, ssh, "
                + "intervals), found \(root.kindDescription)")
            return settings
        }
        guard var document = MappingReader(root, path: "", context: context) else { return settings }
        defer { document.finish() }
        _ = checkAPIVersion(&document, required: false)
        if let kind = document.string("kind"), kind != "Settings" {
            context.diagnostics.append(.error(
                at: document.location(of: "kind")!,
                "steward.yaml must be kind Settings, found \"\(kind)\"\(didYouMean(kind, among: ["Settings"]))"))
        }
        if var forge = document.mapping("forge") {
            if let provider = forge.choice("provider", Settings.Forge.Provider.self) { settings.forge.provider = provider }
            if let path = forge.string("path") { settings.forge.path = path }
            settings.forge.owner = forge.string("owner")
            if let url = forge.string("apiURL") {
                if url.hasPrefix("https://") || url.hasPrefix("http://") {
                    settings.forge.apiURL = url
                } else {
                    context.diagnostics.append(.error(at: forge.location(of: "apiURL")!, "forge.apiURL must be an http(s) URL"))
                }
            }
            if var auth = forge.mapping("auth") {
                settings.forge.auth.tokenEnv = auth.string("tokenEnv") ?? settings.forge.auth.tokenEnv
                settings.forge.auth.tokenFile = auth.string("tokenFile")
                settings.forge.auth.appID = auth.int("appID", in: 1...Int.max)
                settings.forge.auth.privateKeyFile = auth.string("privateKeyFile")
                settings.forge.auth.installationID = auth.int("installationID", in: 1...Int.max)
                if (settings.forge.auth.appID == nil) != (settings.forge.auth.privateKeyFile == nil) {
                    context.diagnostics.append(.error(at: context.location(auth.node),
                        "forge.auth: appID and privateKeyFile go together (GitHub App authentication); give both or neither"))
                }
                auth.finish()
            }
            forge.finish()
        }
        if var ssh = document.mapping("ssh") {
            if let key = ssh.string("privateKeyFile") { settings.ssh.privateKeyFile = key }
            if let known = ssh.string("knownHostsFile") { settings.ssh.knownHostsFile = known }
            ssh.finish()
        }
        if var intervals = document.mapping("intervals") {
            if let value = duration(&intervals, "configRepo") { settings.intervals.configRepo = value }
            if let value = duration(&intervals, "githubSync") { settings.intervals.githubSync = value }
            if let value = duration(&intervals, "serverSync") { settings.intervals.serverSync = value }
            if let value = duration(&intervals, "healthCheck") { settings.intervals.healthCheck = value }
            if let value = duration(&intervals, "resync") { settings.intervals.resync = value }
            if let value = duration(&intervals, "driftCheck") { settings.intervals.driftCheck = value }
            intervals.finish()
        }
        if var journal = document.mapping("journal") {
            if let value = duration(&journal, "maxAge") { settings.journal.maxAge = value }
            if let value = journal.int("maxRows", in: 1_000...100_000_000) { settings.journal.maxRows = value }
            journal.finish()
        }
        if var thresholds = document.mapping("thresholds") {
            if let value = thresholds.int("syncFailuresBeforeAlert", in: 1...1000) { settings.thresholds.syncFailuresBeforeAlert = value }
            if let value = thresholds.int("unreachableAfter", in: 1...1000) { settings.thresholds.unreachableAfter = value }
            if let value = thresholds.int("serviceDownAfter", in: 1...1000) { settings.thresholds.serviceDownAfter = value }
            thresholds.finish()
        }
        if var agents = document.mapping("agents") {
            if let backend = agents.choice("backend", Settings.Agents.Backend.self) { settings.agents.backend = backend }
            decodeOpenAI(&agents, into: &settings.agents, context: context)
            if let command = agents.string("command") {
                if command.trimmingCharacters(in: .whitespaces).isEmpty {
                    context.diagnostics.append(.error(at: agents.location(of: "command")!, "agents.command must not be empty"))
                } else {
                    settings.agents.command = command
                }
            }
            if let timeout = duration(&agents, "timeout") { settings.agents.timeout = timeout }
            if settings.agents.backend == .command, settings.agents.command == nil {
                context.diagnostics.append(.error(at: context.location(agents.node),
                    "agents.backend is command but agents.command is not set; name the program the Developer runs"))
            }
            agents.finish()
        }
        if let prune = document.bool("prune") { settings.prune = prune }
        if let selfHeal = document.bool("selfHeal") { settings.selfHeal = selfHeal }
        if let timeout = duration(&document, "playbookTimeout") { settings.playbookTimeout = timeout }
        if let concurrency = document.int("concurrency", in: 1...64) { settings.concurrency = concurrency }
        if let grace = duration(&document, "shutdownGrace") { settings.shutdownGrace = grace }
        decodeHTTP(&document, into: &settings, context: context)
        decodeNotifications(&document, into: &settings, context: context)
        return settings
    }

    /// `notifications:`: a list of receivers, each named once, with what its provider needs; secrets only by
    /// reference (an environment variable or a file), except a webhook URL given as is.
    private func decodeNotifications(_ document: inout MappingReader, into settings: inout Settings, context: DecodeContext) {
        guard let items = document.sequence("notifications") else { return }
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "notifications[\(index)]"
            guard var reader = MappingReader(item, path: path, context: context) else { continue }
            let name = reader.string("name", required: true)
            let provider = reader.choice("provider", Settings.Notification.Provider.self)
            var notification = Settings.Notification(name: name ?? "", provider: provider ?? .webhook)
            notification.url = reader.string("url")
            notification.urlFile = reader.string("urlFile")
            for key in ["urlEnv", "secretEnv", "botTokenEnv"] {
                guard let variable = reader.string(key) else { continue }
                guard Validation.isEnvironmentVariableName(variable) else {
                    context.diagnostics.append(.error(at: reader.location(of: key)!,
                        "\(path).\(key) must name an environment variable (letters, digits, _), found \"\(variable)\""))
                    continue
                }
                switch key {
                case "urlEnv": notification.urlEnv = variable
                case "secretEnv": notification.secretEnv = variable
                default: notification.botTokenEnv = variable
                }
            }
            notification.chatID = reader.string("chatID")
            if let api = reader.string("apiURL") {
                if let url = URL(string: api), url.scheme == "https" || url.scheme == "http", url.host != nil {
                    notification.apiURL = api
                } else {
                    context.diagnostics.append(.error(at: reader.location(of: "apiURL")!, "\(path).apiURL must be an http(s) URL, found \"\(api)\""))
                }
            }
            if let events = reader.sequence("events") {
                notification.events = []
                for event in events {
                    guard let text = event.scalar, let value = Settings.Notification.Event(rawValue: text) else {
                        context.error(event, "\(path).events: expected one of \(Settings.Notification.Event.allCases.map(\.rawValue).joined(separator: ", ")), "
                            + "found \(event.scalar.map { "\"\($0)\"" } ?? event.kindDescription)")
                        continue
                    }
                    notification.events.append(value)
                }
            }
            if let projects = reader.sequence("projects") {
                notification.projects = projects.compactMap(\.scalar)
            }
            let here = context.location(reader.node)
            if provider == nil, reader.location(of: "provider") == nil {
                context.diagnostics.append(.error(at: here, "\(path).provider is required: webhook, slack or telegram"))
            }
            switch provider {
            case .webhook?, .slack?:
                let given = [notification.url, notification.urlEnv, notification.urlFile].compactMap { $0 }.count
                if given != 1 {
                    context.diagnostics.append(.error(at: here, "\(path): a \(provider!.rawValue) notification needs exactly one of url, urlEnv, urlFile"))
                }
            case .telegram?:
                if notification.botTokenEnv == nil || notification.chatID == nil {
                    context.diagnostics.append(.error(at: here, "\(path): a telegram notification needs botTokenEnv and chatID"))
                }
            case nil:
                break
            }
            reader.finish()
            guard let name, let provider else { continue }
            notification.provider = provider
            if !names.insert(name).inserted {
                context.diagnostics.append(.error(at: reader.location(of: "name")!, "\(path).name: \"\(name)\" names another notification already"))
                continue
            }
            settings.notifications.append(notification)
        }
    }

    /// `http.listen`, `http.tokenFile`, `webhooks.github.secretEnv|secretFile`: an address to listen on, a token
    /// file for any address other computers can reach, secrets only by reference.
    private func decodeHTTP(_ document: inout MappingReader, into settings: inout Settings, context: DecodeContext) {
        if var http = document.mapping("http") {
            settings.http.tokenFile = http.string("tokenFile")
            if let listen = http.string("listen") {
                if let address = ListenAddress(listen) {
                    settings.http.listen = listen
                    if !address.isLoopback, settings.http.tokenFile == nil {
                        context.diagnostics.append(.error(at: http.location(of: "listen")!,
                            "http.listen \(listen) is not a loopback address: set http.tokenFile, the bearer token /metrics requires"))
                    }
                } else {
                    context.diagnostics.append(.error(at: http.location(of: "listen")!,
                        "http.listen must be HOST:PORT (127.0.0.1:9477, [::1]:9477, 0.0.0.0:9477; port 0 takes a free one), found \"\(listen)\""))
                }
            }
            http.finish()
        }
        if var webhooks = document.mapping("webhooks") {
            if var github = webhooks.mapping("github") {
                if let variable = github.string("secretEnv") {
                    if Validation.isEnvironmentVariableName(variable) {
                        settings.webhooks.github.secretEnv = variable
                    } else {
                        context.diagnostics.append(.error(at: github.location(of: "secretEnv")!,
                            "webhooks.github.secretEnv must name an environment variable (letters, digits, _), found \"\(variable)\"; "
                                + "the secret itself never goes in steward.yaml"))
                    }
                }
                settings.webhooks.github.secretFile = github.string("secretFile")
                github.finish()
            }
            webhooks.finish()
        }
    }

    /// `agents.endpoint`, `agents.model`, `agents.apiKeyEnv`: an http(s) endpoint and a model are required by the
    /// openai backend; the key's variable must be a plain environment variable name.
    private func decodeOpenAI(_ agents: inout MappingReader, into settings: inout Settings.Agents, context: DecodeContext) {
        if let endpoint = agents.string("endpoint") {
            if let url = URL(string: endpoint), url.scheme == "https" || url.scheme == "http", url.host != nil {
                settings.endpoint = endpoint
            } else {
                context.diagnostics.append(.error(at: agents.location(of: "endpoint")!,
                    "agents.endpoint must be an http(s) URL such as https://api.openai.com/v1, found \"\(endpoint)\""))
            }
        }
        settings.model = agents.string("model")
        if let variable = agents.string("apiKeyEnv") {
            if Validation.isEnvironmentVariableName(variable) {
                settings.apiKeyEnv = variable
            } else {
                context.diagnostics.append(.error(at: agents.location(of: "apiKeyEnv")!,
                    "agents.apiKeyEnv must name an environment variable (letters, digits, _), found \"\(variable)\"; "
                        + "the key itself never goes in steward.yaml"))
            }
        }
        guard settings.backend == .openai else { return }
        let missing = [settings.endpoint == nil && agents.location(of: "endpoint") == nil ? "endpoint" : nil,
                       settings.model == nil ? "model" : nil].compactMap { $0 }
        if !missing.isEmpty {
            context.diagnostics.append(.error(at: context.location(agents.node),
                "agents: backend openai needs \(missing.map { "agents.\($0)" }.joined(separator: " and ")) "
                    + "(e.g. endpoint: https://api.openai.com/v1, model: gpt-4o-mini)"))
        }
    }

    /// A duration in seconds: an integer, or `90s`, `5m`, `1h`, `1h30m`.
    private func duration(_ reader: inout MappingReader, _ key: String) -> Int? {
        guard let node = reader.value(key) else { return nil }
        if let text = node.scalar, let seconds = Validation.durationSeconds(text), seconds > 0 {
            return seconds
        }
        reader.context.error(node, "\(reader.fieldPath(key)): expected a positive duration like 90s, 5m or 1h, found \(node.kindDescription)")
        return nil
    }
}
