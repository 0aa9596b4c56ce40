import Foundation
import Testing

@testable import StewardHTTP

struct RedactedURLTests {
    @Test func userinfoAndFragmentAreDropped() {
        let redacted = RedactedURL(URL(string: "https://user:pa55word@API.github.com:8443/repos/acme/bot#readme")!)

        #expect(redacted.string == "https://api.github.com:8443/repos/acme/bot")
        #expect(redacted.host == "api.github.com")
        #expect(redacted.pathAndQuery == "/repos/acme/bot")
    }

    @Test func secretLookingQueryValuesAreReplaced() {
        let url = URL(string: "https://h.example/cb?code=abc&state=xyz&access_token=t0k&per_page=100&q=ghp_abcdef&X-Amz-Signature=s1g&empty")!

        #expect(RedactedURL(url).pathAndQuery
            == "/cb?code=REDACTED&state=xyz&access_token=REDACTED&per_page=100&q=REDACTED&X-Amz-Signature=REDACTED&empty")
    }

    @Test func anEmptyPathIsSlash() {
        #expect(RedactedURL(URL(string: "http://127.0.0.1:8080")!).string == "http://127.0.0.1:8080/")
    }
}
