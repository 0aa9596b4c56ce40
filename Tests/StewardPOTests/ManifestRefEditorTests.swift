import Foundation
import StewardModel
import StewardPO
import Testing

/// `steward rollback`'s edit: one line of the file changes, the rest stays as written, and the result parses to the
/// same project with the new ref.
struct ManifestRefEditorTests {
    let sha = "0123456789abcdef0123456789abcdef01234567"

    @Test func anExistingRefGetsTheCommitAndKeepsItsComment() throws {
        let text = """
            # the shop
            apiVersion: steward/v1
            kind: Project
            metadata: {name: shop}
            spec:
              repo: acme/shop
              ref: "release/1.x"   # the release branch
              env: |
                A=1
            ---
            apiVersion: steward/v1
            kind: Project
            metadata: {name: other}
            spec: {repo: acme/other, ref: main}
            """
        let edited = try ManifestRefEditor().pin(text, path: "manifests/shop.yaml", project: "shop", to: sha)
        #expect(edited.previous == "release/1.x")
        #expect(edited.text == text.replacingOccurrences(of: #"ref: "release/1.x"   # the release branch"#,
                                                           with: "ref: \(sha) # the release branch"))
        let plain = text.replacingOccurrences(of: #""release/1.x"   # the release branch"#, with: "v1.2")
        let pinned = try ManifestRefEditor().pin(plain, path: "m.yaml", project: "shop", to: sha).text
        #expect(pinned.contains("  ref: \(sha)  # steward rollback: was v1.2\n"))
    }

    @Test func aMissingRefIsAddedAtTheEndOfSpecAndCRLFIsKept() throws {
        let text = "apiVersion: steward/v1\r\nkind: Project\r\nmetadata: {name: shop}\r\nspec:\r\n  repo: acme/shop\r\n  server: vps-1\r\n\r\n# trailing\r\n"
        let edited = try ManifestRefEditor().pin(text, path: "m.yaml", project: "shop", to: sha)
        #expect(edited.previous == "main")
        #expect(edited.text == text.replacingOccurrences(of: "  server: vps-1\r\n",
            with: "  server: vps-1\r\n  ref: \(sha)  # steward rollback: was main (the default)\r\n"))
    }

    @Test func aFlowStyleSpecOrAMissingProjectIsRefused() {
        let flow = "apiVersion: steward/v1\nkind: Project\nmetadata: {name: shop}\nspec: {repo: acme/shop}\n"
        #expect(throws: (any Error).self) { try ManifestRefEditor().pin(flow, path: "m.yaml", project: "shop", to: sha) }
        #expect(throws: (any Error).self) { try ManifestRefEditor().pin(flow, path: "m.yaml", project: "nope", to: sha) }
    }
}
