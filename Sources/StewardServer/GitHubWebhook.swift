import Crypto
import Foundation

/// GitHub's webhook deliveries (docs/ARCHITECTURE.md §10): the signature check and what each event asks of the
/// controller. Pure: the HTTP route reads the request, this decides, the controller acts.
public enum GitHubWebhook {
    /// What a delivery asks for.
    public enum Action: Sendable, Equatable {
        /// `ping`: GitHub checks the hook when it is created.
        case pong
        /// A push to the config repo's branch: fetch it now.
        case fetchConfig
        /// A push to a project repo on the ref those projects deploy: reconcile them.
        case reconcile([String])
        /// A repository was created, deleted, renamed, archived or transferred: forge sync now.
        case syncForge
        /// Accepted and not acted on, with why (a journal line says so).
        case ignored(String)
    }

    /// Why a delivery was refused.
    public enum Rejection: Error, Equatable, CustomStringConvertible {
        /// 401: no `X-Hub-Signature-256`, or not the HMAC of the body under the secret.
        case unauthorized(String)
        /// 400: no event name, or a body that is not the JSON object GitHub sends.
        case malformed(String)

        public var description: String {
            switch self {
            case .unauthorized(let why), .malformed(let why): why
            }
        }
    }

    /// Whether `header` (`sha256=` and 64 hex digits) is the HMAC-SHA256 of `body` under `secret`, compared in constant
    /// time (swift-crypto's `isValidAuthenticationCode`).
    public static func verify(signature header: String?, body: some DataProtocol, secret: SymmetricKey) throws(Rejection) {
        guard let header, !header.isEmpty else {
            throw .unauthorized("missing X-Hub-Signature-256 header")
        }
        guard header.hasPrefix("sha256="), let mac = hexBytes(header.dropFirst("sha256=".count)), mac.count == 32 else {
            throw .unauthorized("X-Hub-Signature-256 is not sha256= followed by 64 hex digits")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: secret) else {
            throw .unauthorized("X-Hub-Signature-256 does not match the body under the webhook secret")
        }
    }

    /// Where an event may lead: the config repo (`owner/name` and its branch) and the projects deploying a repo.
    public struct Targets: Sendable {
        /// `owner/name` of the config repo, when its URL names one.
        public var configRepository: String?
        public var configBranch: String
        /// The projects that deploy `repository` (`owner/name`) at `ref` (a push's `refs/heads/...` or `refs/tags/...`),
        /// given the repo's default branch.
        public var projects: @Sendable (_ repository: String, _ ref: String) -> [String]

        public init(
            configRepository: String?, configBranch: String,
            projects: @escaping @Sendable (_ repository: String, _ ref: String) -> [String]
        ) {
            self.configRepository = configRepository
            self.configBranch = configBranch
            self.projects = projects
        }
    }

    /// The `repository` actions that change what the forge lists.
    static let forgeChanges: Set<String> = ["created", "deleted", "renamed", "archived", "unarchived", "transferred", "publicized", "privatized"]

    /// Decides what `event` (`X-GitHub-Event`) with `body` asks for.
    public static func route(event: String?, body: Data, targets: Targets) throws(Rejection) -> Action {
        guard let event, !event.isEmpty else { throw .malformed("missing X-GitHub-Event header") }
        guard let payload = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw .malformed("the body is not a JSON object")
        }
        let repository = payload["repository"] as? [String: Any]
        let fullName = (repository?["full_name"] as? String)?.lowercased()
        switch event {
        case "ping":
            return .pong
        case "push":
            guard let ref = payload["ref"] as? String, let fullName else {
                throw .malformed("a push event without ref or repository.full_name")
            }
            if fullName == targets.configRepository?.lowercased(), ref == "refs/heads/\(targets.configBranch)" {
                return .fetchConfig
            }
            if payload["deleted"] as? Bool == true { return .ignored("\(ref) of \(fullName) was deleted") }
            let projects = targets.projects(fullName, ref)
            if projects.isEmpty { return .ignored("no project deploys \(fullName) at \(ref)") }
            return .reconcile(projects)
        case "repository":
            let action = payload["action"] as? String ?? "-"
            guard forgeChanges.contains(action) else { return .ignored("repository \(action)") }
            return .syncForge
        default:
            return .ignored("\(event) events are not acted on")
        }
    }

    /// The delivery's `owner/name` of a config repo URL (`https://github.com/OWNER/NAME.git`,
    /// `git@github.com:OWNER/NAME.git`, a path ending in `OWNER/NAME.git`): its last two path components.
    public static func repositoryName(ofURL url: String) -> String? {
        var path = url
        if let scheme = path.range(of: "://") {
            path = String(path[scheme.upperBound...])
            path = path.firstIndex(of: "/").map { String(path[$0...]) } ?? ""
        } else if let colon = path.firstIndex(of: ":"), !path.hasPrefix("/") {
            path = String(path[path.index(after: colon)...])
        }
        let parts = path.split(separator: "/").map(String.init)
        guard parts.count >= 2 else { return nil }
        var name = parts[parts.count - 1]
        if name.hasSuffix(".git") { name.removeLast(4) }
        guard !name.isEmpty else { return nil }
        return "\(parts[parts.count - 2])/\(name)"
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
