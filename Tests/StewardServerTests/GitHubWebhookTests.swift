import Crypto
import Foundation
import StewardServer
import Testing

/// GitHub's webhook signature (X-Hub-Signature-256) and what each event asks of the controller.
struct GitHubWebhookTests {
    static var secret: SymmetricKey { SymmetricKey(data: Data("It's a Secret to Everybody".utf8)) }

    static func signature(_ body: Data, key: SymmetricKey = secret) -> String {
        "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: key).map { String(format: "%02x", $0) }.joined()
    }

    /// GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
    @Test func gitHubsDocumentedExampleVerifiesAndAnythingElseIsUnauthorized() throws {
        let body = Data("Hello, World!".utf8)
        try GitHubWebhook.verify(
            signature: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", body: body, secret: Self.secret)
        #expect(throws: GitHubWebhook.Rejection.unauthorized("missing X-Hub-Signature-256 header")) {
            try GitHubWebhook.verify(signature: nil, body: body, secret: Self.secret)
        }
        let other = SymmetricKey(data: Data("another secret".utf8))
        for header in [Self.signature(body, key: other), "sha1=abcd", "sha256=zz", "sha256=" + String(repeating: "0", count: 64),
                       Self.signature(Data("Hello, World?".utf8))] {
            #expect(throws: GitHubWebhook.Rejection.self, "\(header)") {
                try GitHubWebhook.verify(signature: header, body: body, secret: Self.secret)
            }
        }
    }

    static let targets = GitHubWebhook.Targets(configRepository: "acme/config", configBranch: "main") { repository, ref in
        repository == "acme/shop" && ref == "refs/heads/main" ? ["shop", "shop-eu"] : []
    }

    static func push(_ repository: String, ref: String, deleted: Bool = false) -> Data {
        Data(#"{"ref":"\#(ref)","deleted":\#(deleted),"repository":{"full_name":"\#(repository)","default_branch":"main"}}"#.utf8)
    }

    @Test func eventsBecomeFetchesReconcilesForgeSyncsOrJournalLines() throws {
        #expect(try GitHubWebhook.route(event: "ping", body: Data(#"{"zen":"Keep it logically awesome."}"#.utf8), targets: Self.targets) == .pong)
        #expect(try GitHubWebhook.route(event: "push", body: Self.push("Acme/Config", ref: "refs/heads/main"), targets: Self.targets) == .fetchConfig)
        #expect(try GitHubWebhook.route(event: "push", body: Self.push("acme/shop", ref: "refs/heads/main"), targets: Self.targets)
            == .reconcile(["shop", "shop-eu"]))
        #expect(try GitHubWebhook.route(event: "push", body: Self.push("acme/shop", ref: "refs/heads/feature"), targets: Self.targets)
            == .ignored("no project deploys acme/shop at refs/heads/feature"))
        #expect(try GitHubWebhook.route(event: "push", body: Self.push("acme/config", ref: "refs/heads/other"), targets: Self.targets)
            == .ignored("no project deploys acme/config at refs/heads/other"))
        #expect(try GitHubWebhook.route(event: "push", body: Self.push("acme/shop", ref: "refs/heads/main", deleted: true),
            targets: Self.targets) == .ignored("refs/heads/main of acme/shop was deleted"))
        for action in ["created", "deleted", "renamed", "archived", "transferred"] {
            let body = Data(#"{"action":"\#(action)","repository":{"full_name":"acme/new"}}"#.utf8)
            #expect(try GitHubWebhook.route(event: "repository", body: body, targets: Self.targets) == .syncForge)
        }
        let edited = Data(#"{"action":"edited","repository":{"full_name":"acme/new"}}"#.utf8)
        #expect(try GitHubWebhook.route(event: "repository", body: edited, targets: Self.targets) == .ignored("repository edited"))
        #expect(try GitHubWebhook.route(event: "issues", body: Data("{}".utf8), targets: Self.targets)
            == .ignored("issues events are not acted on"))
    }

    @Test func malformedDeliveriesAreRefused() {
        #expect(throws: GitHubWebhook.Rejection.malformed("missing X-GitHub-Event header")) {
            try GitHubWebhook.route(event: nil, body: Data("{}".utf8), targets: Self.targets)
        }
        #expect(throws: GitHubWebhook.Rejection.malformed("the body is not a JSON object")) {
            try GitHubWebhook.route(event: "push", body: Data("[1,2".utf8), targets: Self.targets)
        }
        #expect(throws: GitHubWebhook.Rejection.malformed("a push event without ref or repository.full_name")) {
            try GitHubWebhook.route(event: "push", body: Data(#"{"ref":"refs/heads/main"}"#.utf8), targets: Self.targets)
        }
    }

    @Test func theConfigReposNameComesFromItsURL() {
        #expect(GitHubWebhook.repositoryName(ofURL: "https://github.com/acme/config.git") == "acme/config")
        #expect(GitHubWebhook.repositoryName(ofURL: "https://github.com/acme/config") == "acme/config")
        #expect(GitHubWebhook.repositoryName(ofURL: "git@github.com:acme/config.git") == "acme/config")
        #expect(GitHubWebhook.repositoryName(ofURL: "ssh://git@github.com/acme/config.git") == "acme/config")
        #expect(GitHubWebhook.repositoryName(ofURL: "/srv/git/acme/config.git") == "acme/config")
        #expect(GitHubWebhook.repositoryName(ofURL: "config") == nil)
    }
}
