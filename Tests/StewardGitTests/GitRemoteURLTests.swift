import Testing
@testable import StewardGit

struct GitRemoteURLTests {
    private func parse(_ string: String) throws -> GitRemoteURL {
        try GitRemoteURL(parsing: string, currentDirectory: "/home/ops/state", tokenVariable: "STEWARD_GIT_TOKEN")
    }

    @Test func localPathsBecomeAbsolute() throws {
        #expect(try parse("/srv/config.git").normalized == "/srv/config.git")
        #expect(try parse("config.git").normalized == "/home/ops/state/config.git")
        #expect(try parse("../repos/./config.git/").normalized == "/home/ops/repos/config.git")
        #expect(try parse("config.git").transport == .local)
        let fileURL = try parse("file:///srv/config.git")
        #expect(fileURL.normalized == "file:///srv/config.git")
        #expect(fileURL.transport == .local)
        #expect(fileURL.host == nil)
    }

    @Test func networkURLsKeepTheirFormAndHost() throws {
        let https = try parse("https://git.example.com:8443/acme/config.git")
        #expect(https.normalized == "https://git.example.com:8443/acme/config.git")
        #expect(https.transport == .https)
        #expect(https.host == "git.example.com")
        #expect(try parse("HTTP://[::1]:9/x").host == "::1")
    }

    @Test func tokenIsSentOnlyOverTLSOrLoopback() throws {
        #expect(try parse("https://git.example.com/x").sendsToken)
        #expect(try parse("http://127.0.0.1:8080/x").sendsToken)
        #expect(try parse("http://localhost/x").sendsToken)
        #expect(try parse("http://[::1]:80/x").sendsToken)
        #expect(try !parse("http://git.example.com/x").sendsToken)
        #expect(try !parse("/srv/config.git").sendsToken)
    }

    @Test(arguments: ["", "ssh://git@github.com/acme/config.git", "git@github.com:acme/config.git", "ftp://host/x", "git://127.0.0.1/x"])
    func unsupportedURLsAreRejected(url: String) throws {
        let error = try #require(throws: GitError.self) { try parse(url) }
        #expect(error.code == .unsupportedURL)
    }

    @Test func unsupportedURLErrorsDoNotRepeatWhatMightBeSecret() throws {
        let scp = try #require(throws: GitError.self) { try parse("ghp_secret1@github.com:acme/config.git") }
        #expect(!scp.description.contains("ghp_secret1"))
        #expect(scp.description.contains("ssh"))
        let odd = try #require(throws: GitError.self) { try parse("user:ghp_secret2@host://x") }
        #expect(odd.code == .unsupportedURL)
        #expect(!odd.description.contains("ghp_secret2"))
        let ssh = try #require(throws: GitError.self) { try parse("ssh://git@github.com/acme/config.git") }
        #expect(ssh.description.contains("ssh:// URLs are not supported"))
    }

    @Test func credentialErrorShowsOnlyTheHostAndPath() throws {
        let error = try #require(throws: GitError.self) { try parse("https://me:pa@ss@example.com/a.git?x=1") }
        #expect(error.code == .credentialsInURL)
        #expect(error.description.contains("https://example.com/a.git?…"))
        #expect(!error.description.contains("me:pa") && !error.description.contains("x=1"))
    }

    /// A token in the query string (`?access_token=`) or a fragment is refused like one in the userinfo, and the
    /// error never repeats it.
    @Test(arguments: ["https://example.com/a.git?access_token=ghp_query1", "http://127.0.0.1/a.git#ghp_query1"])
    func queryStringsAndFragmentsAreRefused(url: String) throws {
        let error = try #require(throws: GitError.self) { try parse(url) }
        #expect(error.code == .credentialsInURL)
        #expect(!error.description.contains("ghp_query1"), "\(error)")
        #expect(error.description.contains("query string or fragment"))
    }

    @Test func gitURLsAreRefusedAsSSHIs() throws {
        let error = try #require(throws: GitError.self) { try parse("git://127.0.0.1/x") }
        #expect(error.description.contains("git:// URLs are not supported; use a local path, file://, or https://"))
    }

    @Test func redactedDropsTheUserInformationAndTheQuery() {
        #expect(GitRemoteURL.redacted("https://u:p@host:8443/a@b.git") == "https://host:8443/a@b.git")
        #expect(GitRemoteURL.redacted("https://host/a.git") == "https://host/a.git")
        #expect(GitRemoteURL.redacted("https://host/a.git?access_token=t#f") == "https://host/a.git?…")
        #expect(GitRemoteURL.redacted("/srv/a@b.git") == "/srv/a@b.git")
    }
}
