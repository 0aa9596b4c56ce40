import Foundation
import Testing

@testable import StewardHTTP

struct HTTPHeadersTests {
    @Test func lookupIsCaseInsensitiveAndKeepsEveryValue() {
        var headers: HTTPHeaders = ["Link": "<a>", "Accept": "application/json"]
        headers.add(name: "link", value: "<b>")

        #expect(headers.values(for: "LINK") == ["<a>", "<b>"])
        #expect(headers["link"] == "<a>")
        #expect(headers.contains("ACCEPT"))
        #expect(headers["missing"] == nil)
        headers.remove(name: "Link")
        #expect(headers.fields.map(\.name) == ["Accept"])
    }

    @Test func descriptionsShowNamesOnly() {
        let headers: HTTPHeaders = ["Authorization": "Bearer hidden-value", "Accept": "text/plain"]
        var dumped = ""
        dump(headers, to: &dumped)

        #expect(headers.description == "[Authorization, Accept]")
        for text in [headers.description, String(reflecting: headers), dumped] {
            #expect(!text.contains("hidden-value"))
        }
    }

    @Test func responseHeaderLinesAreParsedPerResponse() {
        let context = TransferContext(cancellation: CancellationFlag())
        for line in [
            "HTTP/1.1 301 Moved Permanently\r\n", "Location: /new\r\n", "\r\n",
            "HTTP/2 200\r\n", "Content-Type: application/json\r\n", "X-Long: first\r\n", "\t second\r\n",
            "Set-Cookie: a=1\r\n", "Set-Cookie: b=2\r\n", "X-Empty:\r\n", "\r\n",
        ] {
            context.parseHeaderLine(line)
        }

        #expect(context.headers.fields.map(\.name) == ["content-type", "x-long", "set-cookie", "set-cookie", "x-empty"])
        #expect(context.headers["x-long"] == "first second")
        #expect(context.headers.values(for: "set-cookie") == ["a=1", "b=2"])
        #expect(context.headers["x-empty"] == "")
        #expect(context.headers["location"] == nil)
    }
}
