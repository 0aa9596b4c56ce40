/// `steward.yaml`: controller settings. Every field has a default, so a repo with only manifests works.
public struct Settings: Sendable, Hashable, Codable {
    /// Where project repositories live.
    public struct Forge: Sendable, Hashable, Codable {
        /// Forge implementation.
        public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
            case local
            case github
        }

        /// How Steward authenticates to GitHub.
        public struct Auth: Sendable, Hashable, Codable {
            /// The environment variable holding a token (default `GITHUB_TOKEN`).
            public var tokenEnv: String?
            /// A file holding a token; used instead of `tokenEnv` when set.
            public var tokenFile: String?
            /// GitHub App authentication: the app id, its private key (PEM) and, optionally, the installation id
            /// (else looked up for `forge.owner`).
            public var appID: Int?
            public var privateKeyFile: String?
            public var installationID: Int?

            public init(
                tokenEnv: String? = "GITHUB_TOKEN", tokenFile: String? = nil, appID: Int? = nil,
                privateKeyFile: String? = nil, installationID: Int? = nil
            ) {
                self.tokenFile = tokenFile
                self.installationID = installationID
                self.tokenEnv = tokenEnv
                self.appID = appID
                self.privateKeyFile = privateKeyFile
            }
        }

        public var provider: Provider
        /// local: bare repos at `PATH/OWNER/NAME.git`, relative to the state dir.
        public var path: String
        public var owner: String?
        public var apiURL: String
        public var auth: Auth

        public init(
            provider: Provider = .local, path: String = "forge", owner: String? = nil,
            apiURL: String = "https://api.github.com", auth: Auth = Auth()
        ) {
            self.provider = provider
            self.path = path
            self.owner = owner
            self.apiURL = apiURL
            self.auth = auth
        }
    }

    /// SSH client settings.
    public struct SSH: Sendable, Hashable, Codable {
        public var privateKeyFile: String
        /// Relative to the state dir.
        public var knownHostsFile: String

        public init(privateKeyFile: String = "~/.ssh/id_ed25519", knownHostsFile: String = "known_hosts") {
            self.privateKeyFile = privateKeyFile
            self.knownHostsFile = knownHostsFile
        }
    }

    /// Poll intervals, in seconds (written `90s`, `1m`, `1h` in YAML).
    public struct Intervals: Sendable, Hashable, Codable {
        public var configRepo: Int
        public var githubSync: Int
        public var serverSync: Int
        public var healthCheck: Int
        /// `steward run` reconciles every key again this often, whatever the events said (the level-triggered safety
        /// net).
        public var resync: Int
        /// `steward run` checks every active project for drift (its deploy in Ansible check mode) this often; nil (the
        /// default) never: `steward drift --check` still does on demand.
        public var driftCheck: Int?

        public init(
            configRepo: Int = 60, githubSync: Int = 300, serverSync: Int = 60, healthCheck: Int = 60, resync: Int = 600,
            driftCheck: Int? = nil
        ) {
            self.driftCheck = driftCheck
            self.configRepo = configRepo
            self.githubSync = githubSync
            self.serverSync = serverSync
            self.healthCheck = healthCheck
            self.resync = resync
        }
    }

    /// Consecutive failures before an alert or a status change.
    public struct Thresholds: Sendable, Hashable, Codable {
        public var syncFailuresBeforeAlert: Int
        public var unreachableAfter: Int
        public var serviceDownAfter: Int

        public init(syncFailuresBeforeAlert: Int = 3, unreachableAfter: Int = 3, serviceDownAfter: Int = 3) {
            self.syncFailuresBeforeAlert = syncFailuresBeforeAlert
            self.unreachableAfter = unreachableAfter
            self.serviceDownAfter = serviceDownAfter
        }
    }

    /// Agent backend selection.
    public struct Agents: Sendable, Hashable, Codable {
        /// Which implementation the agents use.
        public enum Backend: String, Sendable, Hashable, Codable, CaseIterable {
            case builtin
            case command
            case openai
        }

        public var backend: Backend
        /// openai: base URL of an OpenAI-compatible API; requests go to `{endpoint}/chat/completions`.
        public var endpoint: String?
        /// openai: the model named in each request.
        public var model: String?
        /// openai: the environment variable holding the API key (the key itself is never in the config repo).
        public var apiKeyEnv: String
        /// command: the program the Developer runs (through `/bin/sh -c`) in a worktree, with the task file's
        /// path in `$STEWARD_TASK_FILE`. Required when `backend` is `command`.
        public var command: String?
        /// How long the Developer's command, a chat request or the Tester's checks may run, in seconds.
        public var timeout: Int

        public init(
            backend: Backend = .builtin, endpoint: String? = nil, model: String? = nil, apiKeyEnv: String = "OPENAI_API_KEY",
            command: String? = nil, timeout: Int = 600
        ) {
            self.backend = backend
            self.endpoint = endpoint
            self.model = model
            self.apiKeyEnv = apiKeyEnv
            self.command = command
            self.timeout = timeout
        }

        // Settings cached by older versions lack the openai, command and timeout fields: they decode to the defaults.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            backend = try container.decode(Backend.self, forKey: .backend)
            endpoint = try container.decodeIfPresent(String.self, forKey: .endpoint)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            apiKeyEnv = try container.decodeIfPresent(String.self, forKey: .apiKeyEnv) ?? "OPENAI_API_KEY"
            command = try container.decodeIfPresent(String.self, forKey: .command)
            timeout = try container.decodeIfPresent(Int.self, forKey: .timeout) ?? 600
        }
    }

    /// How long `steward logs` lines are kept, and how many at most (the controller prunes after each pass).
    public struct Journal: Sendable, Hashable, Codable {
        /// Seconds.
        public var maxAge: Int
        public var maxRows: Int

        public init(maxAge: Int = 14 * 86_400, maxRows: Int = 1_000_000) {
            self.maxAge = maxAge
            self.maxRows = maxRows
        }
    }

    /// The controller's HTTP server (`steward run`): webhooks, `/metrics`, `/healthz`, `/readyz`.
    public struct HTTP: Sendable, Hashable, Codable {
        /// `HOST:PORT` to listen on (`ListenAddress`); port 0 takes any free port.
        public var listen: String
        /// A file holding the bearer token `/metrics` requires; required when `listen` is not a loopback address.
        public var tokenFile: String?

        public init(listen: String = "127.0.0.1:9477", tokenFile: String? = nil) {
            self.listen = listen
            self.tokenFile = tokenFile
        }
    }

    /// Webhook receivers of the HTTP server.
    public struct Webhooks: Sendable, Hashable, Codable {
        /// `POST /hooks/github`: the secret its deliveries are signed with (`X-Hub-Signature-256`), from an
        /// environment variable or a file (never in the config repo). Neither set: the route answers 503.
        public struct GitHub: Sendable, Hashable, Codable {
            public var secretEnv: String?
            public var secretFile: String?

            public init(secretEnv: String? = nil, secretFile: String? = nil) {
                self.secretEnv = secretEnv
                self.secretFile = secretFile
            }
        }

        public var github: GitHub

        public init(github: GitHub = GitHub()) {
            self.github = github
        }
    }

    /// One receiver of notifications (`notifications:` in steward.yaml), sent from the store's outbox.
    public struct Notification: Sendable, Hashable, Codable {
        public enum Provider: String, Sendable, Hashable, Codable, CaseIterable {
            case webhook
            case slack
            case telegram
        }

        /// What is announced.
        public enum Event: String, Sendable, Hashable, Codable, CaseIterable {
            case incident
            case incidentResolved = "incident_resolved"
            case question
            case deployFailed = "deploy_failed"
            case deploySucceeded = "deploy_succeeded"
            case blocked
        }

        public var name: String
        public var provider: Provider
        /// webhook, slack: where to POST, given as is, by environment variable or by file.
        public var url: String?
        public var urlEnv: String?
        public var urlFile: String?
        /// webhook: the environment variable holding the HMAC key of `X-Steward-Signature-256`.
        public var secretEnv: String?
        /// telegram: the environment variable holding the bot token, the chat, the Bot API's base URL.
        public var botTokenEnv: String?
        public var chatID: String?
        public var apiURL: String
        /// The events announced (all unless set).
        public var events: [Event]
        /// Only these projects' events (servers' events always); empty: every project.
        public var projects: [String]

        public init(
            name: String, provider: Provider, url: String? = nil, urlEnv: String? = nil, urlFile: String? = nil,
            secretEnv: String? = nil, botTokenEnv: String? = nil, chatID: String? = nil,
            apiURL: String = "https://api.telegram.org", events: [Event] = Event.allCases, projects: [String] = []
        ) {
            self.name = name
            self.provider = provider
            self.url = url
            self.urlEnv = urlEnv
            self.urlFile = urlFile
            self.secretEnv = secretEnv
            self.botTokenEnv = botTokenEnv
            self.chatID = chatID
            self.apiURL = apiURL
            self.events = events
            self.projects = projects
        }
    }

    public var forge: Forge
    public var ssh: SSH
    public var http: HTTP
    public var notifications: [Notification]
    public var webhooks: Webhooks
    public var intervals: Intervals
    public var journal: Journal
    public var thresholds: Thresholds
    public var agents: Agents
    /// Delete a project's or server's record (and free its ports) when its manifest is removed.
    public var prune: Bool
    /// Redeploy a project at once when a drift check finds its server changed (`spec.selfHeal` overrides it per
    /// project); nil is off. Optional so settings cached before it decode.
    public var selfHeal: Bool?
    /// Timeout of one Ansible run, in seconds.
    public var playbookTimeout: Int
    /// How many deploys (Ansible runs of different projects) a pass runs at once; `steward run`'s workers.
    public var concurrency: Int
    /// Seconds `steward run` lets work in progress finish after SIGTERM before it ends Ansible runs.
    public var shutdownGrace: Int

    public init(
        forge: Forge = Forge(), ssh: SSH = SSH(), intervals: Intervals = Intervals(),
        thresholds: Thresholds = Thresholds(), agents: Agents = Agents(), prune: Bool = false,
        playbookTimeout: Int = 900, concurrency: Int = 4, journal: Journal = Journal(), shutdownGrace: Int = 120,
        http: HTTP = HTTP(), webhooks: Webhooks = Webhooks(), notifications: [Notification] = []
    ) {
        self.notifications = notifications
        self.http = http
        self.webhooks = webhooks
        self.concurrency = concurrency
        self.shutdownGrace = shutdownGrace
        self.journal = journal
        self.forge = forge
        self.ssh = ssh
        self.intervals = intervals
        self.thresholds = thresholds
        self.agents = agents
        self.prune = prune
        self.playbookTimeout = playbookTimeout
    }
}
