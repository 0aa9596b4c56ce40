import ArgumentParser
import Foundation
import Logging
import StewardAnsible
import StewardCore
import StewardGit
import StewardGitHub
import StewardHTTP
import StewardModel
import StewardSecrets
import StewardStore

/// The composition root: builds the adapters a command needs from the global options.
struct Wiring {
    let options: GlobalOptions
    let logger: Logger

    init(_ options: GlobalOptions) {
        self.options = options
        self.logger = options.makeLogger()
    }

    /// Steward's own playbooks: `$STEWARD_PLAYBOOKS` (a directory, for developing them), else the ones compiled into
    /// this binary, written once per content to `STATE/playbooks/<content hash>/` (or, when the state dir cannot be
    /// written, to a folder of this user's under the temporary directory).
    func playbooks() throws -> PlaybookLibrary {
        if let explicit = ProcessInfo.processInfo.environment["STEWARD_PLAYBOOKS"], !explicit.isEmpty {
            do {
                return try PlaybookLibrary(directory: URL(fileURLWithPath: explicit))
            } catch {
                throw CommandFailure("STEWARD_PLAYBOOKS=\(explicit) is not a playbooks directory (\(error)); unset it to use the "
                    + "playbooks built into steward")
            }
        }
        let parent = stateIsReadOnly
            ? FileManager.default.temporaryDirectory.appendingPathComponent("steward-playbooks-\(getuid())", isDirectory: true)
            : options.stateDirectory.appendingPathComponent("playbooks", isDirectory: true)
        do {
            return try PlaybookLibrary.embedded(in: parent)
        } catch {
            throw CommandFailure("could not write Steward's playbooks to \(parent.path): \(error)")
        }
    }

    /// The names of Steward's own playbooks (`deploy_project.yml`, …), for validation: from `$STEWARD_PLAYBOOKS` or the
    /// binary, writing nothing.
    func playbookNames() -> Set<String> {
        if let explicit = ProcessInfo.processInfo.environment["STEWARD_PLAYBOOKS"], !explicit.isEmpty {
            return (try? PlaybookLibrary(directory: URL(fileURLWithPath: explicit)).playbooks) ?? []
        }
        return PlaybookLibrary.embeddedPlaybooks
    }

    /// The environment Ansible runs with: Steward's own credentials are not passed on.
    static func playbookEnvironment() -> [String: String] {
        let withheld: Set<String> = ["STEWARD_GIT_TOKEN", "GITHUB_TOKEN", "STEWARD_MASTER_KEY"]
        return ProcessInfo.processInfo.environment.filter { !withheld.contains($0.key) }
    }

    func openStore(readOnly: Bool = false) throws -> SQLStateStore {
        let location = try options.storeLocation()
        if !readOnly, stateIsReadOnly { throw readOnlyStateFailure() }
        let store: SQLStateStore
        switch location {
        case .sqlite(let directory):
            if readOnly, !FileManager.default.fileExists(atPath: directory.appendingPathComponent(SQLStateStore.fileName).path) {
                throw CommandFailure("no Steward state in \(directory.path): run `steward reconcile --once` first")
            }
            if !readOnly, let leftovers = Self.stateWithoutDatabase(directory) {
                let message = "\(directory.path) holds Steward state (\(leftovers.joined(separator: ", "))) but no database, "
                    + "or an empty one: starting a new one. Steward observes the forge and the servers anew and adopts what their "
                    + "deploy markers say runs there; secrets and the agents' threads of the old database are not in it"
                logger.warning("\(message)", metadata: ["state_dir": "\(directory.path)"])
            }
            store = try SQLStateStore(location, readOnly: readOnly)
        case .postgres:
            do {
                store = try SQLStateStore(location, readOnly: readOnly)
            } catch let error as StoreError where readOnly && error.kind == .schemaOutdated {
                throw CommandFailure("no Steward state in \(location) yet, or an older schema (\(error)): run "
                    + "`steward reconcile --once --store URL` (or any command that writes) first")
            }
        }
        // A command that acts keeps its log lines in the journal (`steward logs`).
        if !readOnly { JournalSink.shared.attach(store) }
        return store
    }

    /// What else of a state dir exists when its `steward.db` is missing or empty (0 bytes): nil when the database
    /// is there, or nothing else is (a new state dir). Only what a pass with a database leaves counts: not the
    /// config repo's cache (`validate` makes it) nor a local forge kept there (the quickstart makes it first).
    static func stateWithoutDatabase(_ directory: URL) -> [String]? {
        let database = directory.appendingPathComponent("steward.db").path
        let size = (try? FileManager.default.attributesOfItem(atPath: database)[.size] as? NSNumber)?.intValue
        guard size == nil || size == 0 else { return nil }
        let found = ["runs", "bundles", "mirrors", "master.key", "apps"].filter {
            FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path)
        }
        return found.isEmpty ? nil : found
    }

    /// - Parameter fetching: false reads the clone in the state dir as it is (a read-only state dir).
    func configSource(fetching: Bool = true) throws -> GitConfigSource {
        if fetching { try FileManager.default.createDirectory(at: options.stateDirectory, withIntermediateDirectories: true) }
        return GitConfigSource(
            url: try options.resolvedConfigRepo(), ref: options.ref,
            cacheDirectory: options.stateDirectory.appendingPathComponent("config-repo.git", isDirectory: true),
            fetches: fetching)
    }

    /// What a command that writes says when the state dir is read-only.
    func readOnlyStateFailure() -> CommandFailure {
        CommandFailure("the state dir \(options.stateDirectory.path) cannot be written (a read-only mount, or no permission), "
            + "and this command writes to it; `get`, `describe`, `history` and `plan` work from a read-only state dir")
    }

    /// Whether the state dir exists and this process cannot write it (a read-only mount or copy).
    var stateIsReadOnly: Bool {
        FileManager.default.fileExists(atPath: options.stateDirectory.path) && access(options.stateDirectory.path, W_OK) != 0
    }

    func reconciler(store: SQLStateStore, source: GitConfigSource, library: PlaybookLibrary) -> Reconciler {
        var reconciler = makeReconciler(store: store, source: source, library: library)
        reconciler.servers = serverLifecycle(store: store, library: library)
        reconciler.makeHealthChecker = Self.makeHealthChecker(store: store, logger: logger)
        reconciler.engineering = Self.makeEngineering(
            store: store, stateDirectory: options.stateDirectory, library: library, logger: logger)
        return reconciler
    }

    /// The runner every command uses: Steward's playbooks, run dirs under the state dir.
    func playbookRunner(library: PlaybookLibrary) -> AnsiblePlaybookRunner {
        AnsiblePlaybookRunner(
            playbooksDirectory: library.directory,
            workDirectory: options.stateDirectory.appendingPathComponent("runs", isDirectory: true),
            environment: Self.playbookEnvironment())
    }

    /// server_sync + provisioner_trigger: host keys with ssh-keyscan, facts and provisioning with Ansible.
    func serverLifecycle(store: SQLStateStore, library: PlaybookLibrary) -> ServerLifecycle {
        ServerLifecycle(
            store: store, runner: playbookRunner(library: library), probe: SSHKeyscanProbe(),
            playbooksDirectory: library.directory, stateDirectory: options.stateDirectory,
            publicKey: { ssh in try await SSHTool.publicKey(privateKeyFile: ssh.privateKeyFile) }, logger: logger)
    }

    private func makeReconciler(store: SQLStateStore, source: GitConfigSource, library: PlaybookLibrary) -> Reconciler {
        Reconciler(
            source: source, store: store,
            makeCipher: { [stateDirectory = options.stateDirectory] in
                AESGCMSecretCipher(key: try MasterKey.load(stateDirectory: stateDirectory, create: false))
            },
            makeForge: Self.makeForge(stateDirectory: options.stateDirectory, logger: logger),
            makeResolver: Self.makeResolver(stateDirectory: options.stateDirectory),
            runner: playbookRunner(library: library),
            bundler: LocalSourceBundler(
                directory: options.stateDirectory.appendingPathComponent("bundles", isDirectory: true),
                mirrors: Self.mirrors(stateDirectory: options.stateDirectory, token: { try await Self.currentForgeToken.token() },
                    tokenRejected: { await Self.currentForgeToken.rejected($0) })),
            library: library, stateDirectory: options.stateDirectory, logger: logger)
    }

    /// The health_checker over libcurl, configured from a revision's settings.
    static func makeHealthChecker(store: SQLStateStore, logger: Logger) -> @Sendable (Settings) throws -> HealthChecker? {
        { settings in HealthChecker(probe: try HTTPHealthProbe(), store: store, settings: settings, logger: logger) }
    }
}

/// The configured forge cannot be used (settings incomplete, or a capability this version lacks).
struct ForgeUnavailable: Error, CustomStringConvertible {
    var description: String
}

extension Wiring {
    static func makeResolver(stateDirectory: URL) -> @Sendable (Settings) throws -> any RepoResolver {
        { settings in
            switch settings.forge.provider {
            case .local:
                return localForge(settings, stateDirectory: stateDirectory)
            case .github:
                // ETags across passes: an unchanged repo costs two 304s. Its commits are fetched into the
                // mirrors by the bundler, with the token of the forge the current settings configure.
                var forge = try githubForge(settings, logger: Logger(label: "steward") { _ in SwiftLogNoOpLogHandler() })
                forge.cache = responseCache
                currentForgeToken.use(forge)
                return forge
            }
        }
    }

    /// One per process, so the reconcile loop's passes make conditional requests.
    static let responseCache = GitHubResponseCache()
    /// Told of every GitHub request of this process (`steward run` counts them for /metrics).
    static let githubRequests = HTTPEventObserver()
    /// The GitHub forge of the settings last resolved with: the bundler fetches mirrors with its token.
    static let currentForgeToken = ForgeTokenSource()

    /// The mirrors of GitHub repositories under `STATE/mirrors`, fetched with `token`.
    static func mirrors(
        stateDirectory: URL, token: @escaping @Sendable () async throws -> String,
        tokenRejected: @escaping @Sendable (String) async -> Bool
    ) -> GitMirrors {
        GitMirrors(root: stateDirectory.appendingPathComponent("mirrors", isDirectory: true),
            tokenSource: "the GitHub credentials of forge.auth", token: token, tokenRejected: tokenRejected)
    }
}

extension Wiring {
    /// The forge to sync and the owners to list: the local forge (every owner directory unless `forge.owner`
    /// names one), or GitHub (`forge.owner` required).
    static func makeForge(stateDirectory: URL, logger: Logger) -> @Sendable (Settings) throws -> (forge: any Forge, owners: [String])? {
        { settings in
            switch settings.forge.provider {
            case .local:
                let forge = localForge(settings, stateDirectory: stateDirectory)
                if let owner = settings.forge.owner { return (forge, [owner]) }
                let owners = (try? FileManager.default.contentsOfDirectory(atPath: forge.root.path)) ?? []
                return (forge, owners.filter { !$0.hasPrefix(".") }.sorted())
            case .github:
                return (try githubForge(settings, logger: logger), [try githubOwner(settings)])
            }
        }
    }

    /// The local forge at `forge.path`, relative to the state dir.
    static func localForge(_ settings: Settings, stateDirectory: URL) -> LocalForge {
        LocalForge(root: URL(fileURLWithPath: settings.forge.path, relativeTo: stateDirectory).standardizedFileURL)
    }

    /// `forge.owner`, required for GitHub.
    static func githubOwner(_ settings: Settings) throws -> String {
        guard let owner = settings.forge.owner, !owner.isEmpty else {
            throw ForgeUnavailable(description: "forge.provider is github but forge.owner is not set in steward.yaml")
        }
        return owner
    }

    /// The GitHub REST forge: API URL from `$STEWARD_GITHUB_API_URL` or `forge.apiURL`, token from the
    /// environment variable `forge.auth.tokenEnv`. Every request is a log line (method, path, status, 304 or
    /// not, remaining quota), never a header value.
    static func githubForge(_ settings: Settings, logger: Logger) throws -> GitHubForge {
        let environment = ProcessInfo.processInfo.environment
        let api = environment["STEWARD_GITHUB_API_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? settings.forge.apiURL
        guard let apiURL = URL(string: api), apiURL.scheme == "https" || apiURL.scheme == "http" else {
            throw ForgeUnavailable(description: "forge.apiURL \(api) is not an http(s) URL")
        }
        let client = try HTTPClient(configuration: HTTPClient.Configuration(onEvent: { event in
            githubRequests.notify(event)
            logger.info("http", metadata: [
                "method": "\(event.method)", "path": "\(event.path)", "status": "\(event.status.map(String.init) ?? "-")",
                "from_cache": "\(event.notModified)", "remaining": "\(event.rateLimitRemaining.map(String.init) ?? "-")",
                "attempt": "\(event.attempt)", "duration_ms": "\(event.duration.components.seconds * 1000 + event.duration.components.attoseconds / 1_000_000_000_000_000)",
                "action": "http_request",
            ])
        }))
        let auth = settings.forge.auth
        if let appID = auth.appID, let keyFile = auth.privateKeyFile {
            // A GitHub App: RS256 JWT from the private key, exchanged for an installation token (cached).
            let credentials = try GitHubAppCredentials(
                appID: appID, privateKey: .file(NSString(string: keyFile).expandingTildeInPath),
                installationID: auth.installationID.map(Int64.init), owner: try githubOwner(settings), apiURL: apiURL,
                client: client)
            return GitHubForge(client: client, apiURL: apiURL, credentials: credentials)
        }
        let source: GitHubTokenCredentials.Source = auth.tokenFile.map {
            .file(NSString(string: $0).expandingTildeInPath)
        } ?? .environment(auth.tokenEnv ?? "GITHUB_TOKEN")
        return GitHubForge(client: client, apiURL: apiURL, credentials: GitHubTokenCredentials(source: source))
    }
}
