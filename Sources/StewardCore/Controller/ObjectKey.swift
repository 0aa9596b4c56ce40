/// A key of the controller's work queue (docs/ARCHITECTURE.md §4): one per project and server, and the singletons
/// whose reconcile polls a source and enqueues the keys it finds changed. Written `project/NAME`, `server/NAME`,
/// `config`, … in logs, leases and `steward status`.
public enum ObjectKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Fetch the config repo; a new commit enqueues the projects and servers whose manifests changed.
    case config
    /// List the forge and watch the projects' repos; a moved, new or vanished repo enqueues its projects.
    case forge
    /// Server sync and provisioning; a server whose status changed enqueues the projects that need it.
    case servers
    /// A health round; a project whose app is down is enqueued (its repair is a deploy).
    case health
    /// Enqueue every key (`intervals.resync`): the level-triggered safety net under the events.
    case resync
    /// Mark every project due for a drift check and enqueue it (`intervals.driftCheck`); each project's own key runs
    /// its check once it has nothing else to do.
    case drift
    case project(String)
    case server(String)

    public var description: String {
        switch self {
        case .config: "config"
        case .forge: "forge"
        case .servers: "servers"
        case .health: "health"
        case .resync: "resync"
        case .drift: "drift"
        case .project(let name): "project/\(name)"
        case .server(let name): "server/\(name)"
        }
    }

    /// The key's kind, as metrics label it: `project`, `server`, or the singleton's name.
    public var kind: String {
        switch self {
        case .project: "project"
        case .server: "server"
        default: description
        }
    }

    /// Parses what `description` writes; nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "config": self = .config
        case "forge": self = .forge
        case "servers": self = .servers
        case "health": self = .health
        case "resync": self = .resync
        case "drift": self = .drift
        default:
            if text.hasPrefix("project/"), text.count > 8 {
                self = .project(String(text.dropFirst(8)))
            } else if text.hasPrefix("server/"), text.count > 7 {
                self = .server(String(text.dropFirst(7)))
            } else {
                return nil
            }
        }
    }

    /// The project's name for a project key.
    public var project: String? {
        if case .project(let name) = self { return name }
        return nil
    }

    /// Whether the key names one object (a lease is held while it is processed), not a singleton poll.
    public var isObject: Bool {
        switch self {
        case .project, .server: true
        default: false
        }
    }

    /// The lease of whoever controls the state dir: `steward run`, or a one-shot command while none runs.
    public static let controllerLease = "controller"

    /// The key of an action's object (`Project/NAME` → `project/NAME`).
    public init?(actionKey: String) {
        if actionKey.hasPrefix("Project/") {
            self = .project(String(actionKey.dropFirst("Project/".count)))
        } else if actionKey.hasPrefix("Server/") {
            self = .server(String(actionKey.dropFirst("Server/".count)))
        } else {
            return nil
        }
    }

    /// Whether the key is held under a lease while processed: every object, and the singletons a one-shot command
    /// also runs (`steward sync`). The config poll and the resync touch nothing a command does.
    public var isLeased: Bool {
        switch self {
        case .config, .resync, .drift: false
        default: true
        }
    }

    public static func < (lhs: ObjectKey, rhs: ObjectKey) -> Bool { lhs.description < rhs.description }
}
