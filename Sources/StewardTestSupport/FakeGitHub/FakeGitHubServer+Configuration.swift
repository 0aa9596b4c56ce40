import Foundation

extension FakeGitHubServer {
    /// How the fake GitHub authenticates, limits and names things.
    public struct Configuration: Sendable {
        /// The personal access token accepted as `Authorization: Bearer <token>` or `token <token>`.
        public var token: String
        /// Whether requests without `Authorization` are served (as GitHub serves public data: private
        /// repositories are hidden from them). A wrong token is refused either way.
        public var allowsAnonymous: Bool
        /// The GitHub App id a JWT's `iss` claim must carry.
        public var appID: Int64
        /// How long an installation token lives (GitHub: one hour).
        public var installationTokenLifetime: TimeInterval
        /// The `permissions` of issued installation tokens.
        public var installationPermissions: [String: String]
        /// `x-ratelimit-limit` (GitHub: 5000 per hour for a token).
        public var rateLimit: Int
        /// Length of a rate-limit window.
        public var rateLimitWindow: TimeInterval
        /// Base of `html_url` and `clone_url` (`<web>/<owner>/<name>.git`); a `file://` directory of bare
        /// repositories works too. `ssh_url` and `git_url` use its host.
        public var webBaseURL: String
        /// The first automatic repository id.
        public var firstRepositoryID: Int64
        /// Whether a 304 repeats the `link` header of the 200 it stands for. Off by default, so clients do
        /// not come to rely on it: keep the page URLs with their ETags.
        public var linkHeaderOnNotModified: Bool
        /// Where the repositories' git data lives (`OWNER/NAME.git`, bare): when set, the server also speaks
        /// git's smart HTTP protocol at `/OWNER/NAME.git/…` (through `git http-backend`, with the same token
        /// as HTTP Basic `x-access-token:TOKEN` or Bearer), `clone_url` points there, and creating a
        /// repository creates its bare repo.
        public var gitDirectory: URL?
        /// The user the personal access token belongs to: `POST /user/repos` creates repositories there.
        public var tokenUser: String?

        public init(
            token: String = "ghp_StewardFakeToken000000000000000000",
            allowsAnonymous: Bool = false,
            appID: Int64 = 4242,
            installationTokenLifetime: TimeInterval = 3600,
            installationPermissions: [String: String] = ["administration": "write", "contents": "write", "metadata": "read"],
            rateLimit: Int = 5000,
            rateLimitWindow: TimeInterval = 3600,
            webBaseURL: String = "https://github.com",
            firstRepositoryID: Int64 = 1000,
            linkHeaderOnNotModified: Bool = false,
            gitDirectory: URL? = nil,
            tokenUser: String? = nil
        ) {
            self.gitDirectory = gitDirectory
            self.tokenUser = tokenUser
            self.token = token
            self.allowsAnonymous = allowsAnonymous
            self.appID = appID
            self.installationTokenLifetime = installationTokenLifetime
            self.installationPermissions = installationPermissions
            self.rateLimit = rateLimit
            self.rateLimitWindow = rateLimitWindow
            self.webBaseURL = webBaseURL
            self.firstRepositoryID = firstRepositoryID
            self.linkHeaderOnNotModified = linkHeaderOnNotModified
        }
    }
}
