/// `spec` of a `kind: Project` manifest (docs/ARCHITECTURE.md §2).
public struct ProjectSpec: Sendable, Hashable, Codable {
    /// How far Steward carries the project.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
        case designed
        case implemented
        case verified
        case active
    }

    /// One change request; each is implemented once, in order.
    public struct Change: Sendable, Hashable, Codable {
        public var id: String
        public var description: String

        public init(id: String, description: String) {
            self.id = id
            self.description = description
        }
    }

    /// What the project needs from a server.
    public struct Resources: Sendable, Hashable, Codable {
        public var memoryMB: Int
        public var ports: Int

        public init(memoryMB: Int = 128, ports: Int = 1) {
            self.memoryMB = memoryMB
            self.ports = ports
        }
    }

    /// How the project is deployed.
    public struct Deploy: Sendable, Hashable, Codable {
        /// Deploy strategy.
        public enum Strategy: String, Sendable, Hashable, Codable, CaseIterable {
            case recreate
            case blueGreen
        }

        /// Path under the config repo's `playbooks/`, else under Steward's own `playbooks/`.
        public var playbook: String
        public var strategy: Strategy
        public var healthPath: String
        /// Start command; nil means the `web:` line of the repo's Procfile.
        public var command: String?

        public init(
            playbook: String = "deploy_project.yml", strategy: Strategy = .recreate, healthPath: String = "/health",
            command: String? = nil
        ) {
            self.playbook = playbook
            self.strategy = strategy
            self.healthPath = healthPath
            self.command = command
        }
    }

    /// How the agents may change the repo (`spec.agents`).
    public struct Agents: Sendable, Hashable, Codable {
        /// Where the agents' commits go in a repo Steward did not create.
        public enum Write: String, Sendable, Hashable, Codable, CaseIterable {
            /// A branch `steward/<generation>-<project>` and, on GitHub, a pull request a person merges.
            case propose
            /// The deployed branch itself, as in repos Steward created.
            case direct
        }

        public var write: Write

        public init(write: Write = .propose) {
            self.write = write
        }
    }

    /// `owner/name` on the forge.
    public var repo: String
    public var brief: String?
    public var changes: [Change]
    public var stage: Stage
    /// Branch, tag or commit of the project repo to deploy.
    public var ref: String
    /// Server name; nil leaves the choice to Zavhoz.
    public var server: String?
    public var resources: Resources
    public var deploy: Deploy
    /// `.env` template; `${secret:NAME}` is filled from the secret store.
    public var env: String?
    public var suspend: Bool
    /// nil: the defaults (`write: propose`); optional so specs recorded before it decode and hash unchanged.
    public var agents: Agents?
    /// Projects that must be Ready at their current generation before this one deploys; nil for none (so specs recorded
    /// before it decode and hash unchanged).
    public var dependsOn: [String]?
    /// Redeploy at once when a drift check finds the server changed; nil follows `settings.selfHeal` (optional so specs
    /// recorded before it decode and hash unchanged).
    public var selfHeal: Bool?

    public init(
        repo: String, brief: String? = nil, changes: [Change] = [], stage: Stage = .active, ref: String = "main",
        server: String? = nil, resources: Resources = Resources(), deploy: Deploy = Deploy(), env: String? = nil,
        suspend: Bool = false, agents: Agents? = nil, dependsOn: [String]? = nil, selfHeal: Bool? = nil
    ) {
        self.selfHeal = selfHeal
        self.agents = agents
        self.dependsOn = dependsOn
        self.repo = repo
        self.brief = brief
        self.changes = changes
        self.stage = stage
        self.ref = ref
        self.server = server
        self.resources = resources
        self.deploy = deploy
        self.env = env
        self.suspend = suspend
    }

    /// Names referenced as `${secret:NAME}` in `env`, in order of first use.
    public var secretReferences: [String] {
        // Planning asks this of every project on every pass: most templates have no `$` at all.
        guard let env, env.utf8.contains(UInt8(ascii: "$")) else { return [] }
        var names: [String] = []
        var rest = env[...]
        while let start = rest.range(of: "${secret:") {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "}") else { break }
            let name = String(after[..<end])
            if !names.contains(name) { names.append(name) }
            rest = after[after.index(after: end)...]
        }
        return names
    }
}
