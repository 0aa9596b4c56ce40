import Foundation
import StewardGitHub

/// The token of the GitHub forge the current settings configure, for git over HTTPS (the bundler is built
/// once; settings change per revision).
final class ForgeTokenSource: @unchecked Sendable {
    private let lock = NSLock()
    private var forge: GitHubForge?

    func use(_ forge: GitHubForge) {
        lock.withLock { self.forge = forge }
    }

    func token() async throws -> String {
        guard let forge = lock.withLock({ self.forge }) else {
            throw ForgeUnavailable(description: "no GitHub forge is configured (forge.provider), so there is no token to fetch with")
        }
        return try await forge.gitToken()
    }

    func rejected(_ token: String) async -> Bool {
        guard let forge = lock.withLock({ self.forge }) else { return false }
        return await forge.gitTokenRejected(token)
    }
}
