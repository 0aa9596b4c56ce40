import Foundation
import StewardCore
import StewardTestSupport

/// One `curl` run against the fake: an HTTP client the fake did not write, used through its CLI.
struct CurlResult {
    /// curl's exit code: 0, or e.g. 7 (could not connect), 18 (partial body), 28 (timeout), 52 (empty reply).
    var exitCode: Int32
    /// The final status (0 if none arrived).
    var status: Int
    /// The final answer's headers, names as sent.
    var headers: [(String, String)]
    var body: Data
    var stderr: String

    /// A header of the final answer, by case-insensitive name.
    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object; nil if it is not one.
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }

    /// The body as a JSON array of objects; nil if it is not one.
    var array: [[String: Any]]? { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] }

    /// The `link` header as relation → URL.
    var links: [String: String] {
        guard let link = header("link") else { return [:] }
        var result: [String: String] = [:]
        for part in link.components(separatedBy: ", ") {
            let pieces = part.components(separatedBy: "; ")
            guard pieces.count == 2, pieces[0].hasPrefix("<"), pieces[0].hasSuffix(">"),
                  pieces[1].hasPrefix("rel=\""), pieces[1].hasSuffix("\"")
            else { continue }
            result[String(pieces[1].dropFirst(5).dropLast())] = String(pieces[0].dropFirst().dropLast())
        }
        return result
    }
}

enum Curl {
    /// Runs `curl -s -S -i <arguments>` and parses the last answer (skipping `100 Continue` and, with
    /// `-L`, redirects). Never throws for HTTP or transfer errors: they are in the result.
    static func run(_ arguments: [String], maxTime: Double = 10) async throws -> CurlResult {
        try await BlockingWork.run("steward.test.curl") { try runWaiting(arguments, maxTime: maxTime) }
    }

    /// `run` on the calling thread.
    private static func runWaiting(_ arguments: [String], maxTime: Double) throws -> CurlResult {
        let output = try ProcessGroupChild.runToEnd(testLaunch(["curl", "-s", "-S", "-i", "--max-time", String(maxTime)] + arguments))
        let data = Data(output.stdout)
        var result = CurlResult(exitCode: output.status ?? -1, status: 0, headers: [], body: Data(), stderr: output.stderrText)
        var rest = data[...]
        let separator = Data("\r\n\r\n".utf8)
        while rest.starts(with: Data("HTTP/".utf8)), let end = rest.range(of: separator) {
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let statusLine = lines.removeFirst().split(separator: " ")
            result.status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
            result.headers = lines.compactMap { line in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            rest = rest[end.upperBound...]
        }
        result.body = Data(rest)
        return result
    }

    /// A GET with `Authorization: Bearer <token>` (unless nil) and any extra headers.
    static func get(_ url: URL, token: String?, headers: [String] = [], extra: [String] = [], maxTime: Double = 10) async throws -> CurlResult {
        var arguments = extra
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        return try await run(arguments + [url.absoluteString], maxTime: maxTime)
    }

    /// A POST of `json` with `Authorization: Bearer <token>` (unless nil).
    static func post(
        _ url: URL, json: String, token: String?, headers: [String] = [], extra: [String] = [], maxTime: Double = 10
    ) async throws -> CurlResult {
        var arguments = extra + ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        for header in headers { arguments += ["-H", header] }
        return try await run(arguments + [url.absoluteString], maxTime: maxTime)
    }
}
