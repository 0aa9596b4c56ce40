import Foundation

/// One parsed HTTP/1.1 request as the loopback server received it.
struct FakeHTTPRequest: Sendable {
    var method: String
    /// The request target as sent (path and query, percent-encoded).
    var target: String
    /// The path, percent-decoded, without the query.
    var path: String
    var queryItems: [URLQueryItem]
    /// Header names lowercased; repeated headers joined with ", ".
    var headers: [String: String]
    var body: [UInt8]
    /// Which connection carried it (1, 2, …), so tests can see keep-alive reuse.
    var connectionID: Int

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The last value of query parameter `name`.
    func query(_ name: String) -> String? { queryItems.last { $0.name == name }?.value }

    /// Whether the client wants the connection kept open after this answer.
    var wantsKeepAlive: Bool {
        let connection = header("connection")?.lowercased() ?? ""
        return !connection.contains("close")
    }
}

extension FakeHTTPRequest {
    /// Splits a request target into a decoded path and query items (`+` is a space, as in forms).
    static func split(target: String) -> (path: String, query: [URLQueryItem]) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts.first.map(String.init) ?? "/"
        let path = rawPath.removingPercentEncoding ?? rawPath
        guard parts.count == 2 else { return (path, []) }
        let items = parts[1].split(separator: "&", omittingEmptySubsequences: true).map { pair -> URLQueryItem in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) -> String in
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return URLQueryItem(name: decode(kv[0]), value: kv.count == 2 ? decode(kv[1]) : nil)
        }
        return (path, items)
    }
}
