import CLibGit2
import Testing
@testable import StewardGit

/// The credentials callback, called as libgit2 calls it.
struct GitTokenCredentialsTests {
    private let userPassword = GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue

    private func answer(_ credentials: GitTokenCredentials?, allowed: UInt32) throws -> (code: Int32, message: String?) {
        try GitLibrary.ensureInitialized()
        var credential: UnsafeMutablePointer<git_credential>?
        let payload = credentials.map { Unmanaged.passUnretained($0).toOpaque() }
        let code = withExtendedLifetime(credentials) {
            GitTokenCredentials.callback(&credential, "https://example.com/x.git", nil, allowed, payload)
        }
        if let credential {
            #expect(credential.pointee.credtype == GIT_CREDENTIAL_USERPASS_PLAINTEXT)
            git_credential_free(credential)
        }
        let message = git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } }
        git_error_clear()
        return (code, message)
    }

    @Test func answersOnceWithTheTokenThenReportsRejection() throws {
        let credentials = GitTokenCredentials(token: "t0ken", variable: "MY_TOKEN")

        #expect(try answer(credentials, allowed: userPassword).code == 0)
        let second = try answer(credentials, allowed: userPassword)

        #expect(second.code == GIT_EAUTH.rawValue)
        #expect(second.message == "the server rejected the token from $MY_TOKEN; check that it is valid and can read the repository")
    }

    @Test func refusesOtherCredentialTypes() throws {
        let credentials = GitTokenCredentials(token: "t0ken", variable: "MY_TOKEN")
        let result = try answer(credentials, allowed: GIT_CREDENTIAL_SSH_KEY.rawValue)
        #expect(result.code == GIT_EAUTH.rawValue)
        #expect(result.message?.contains("other than a token") == true)
    }

    @Test func missingOrEmptyTokenSaysWhereToPutOne() throws {
        for token in [nil, ""] as [String?] {
            let result = try answer(GitTokenCredentials(token: token, variable: "MY_TOKEN"), allowed: userPassword)
            #expect(result.code == GIT_EAUTH.rawValue)
            #expect(result.message?.contains("put a token that can read the repository in $MY_TOKEN") == true)
        }
    }

    @Test func withoutPayloadItFails() throws {
        #expect(try answer(nil, allowed: userPassword).code == GIT_ERROR.rawValue)
    }
}
