import Foundation
import StewardTestSupport

/// A real HTTP server on 127.0.0.1 with a random port, scripted per test: per path, a sequence of
/// responses (status, headers, body, gzip, delay). Logs every request it receives, with the number of
/// the TCP connection it came on, so tests can assert retries and connection reuse.
///
/// Stopped with SIGKILL when released: child processes started from Swift async tests inherit a signal
/// mask that blocks SIGTERM.
final class ScriptedHTTPServer: @unchecked Sendable {
    /// One scripted response.
    struct Step: Encodable {
        var status: Int = 200
        var headers: [[String]] = []
        var body: String = ""
        /// How many times `body` is repeated (for large bodies).
        var repeatCount: Int = 1
        /// Whether the body is sent gzip-compressed with `Content-Encoding: gzip`.
        var gzip: Bool = false
        /// Seconds to wait before answering.
        var delay: Double = 0
        /// When above 1: the answer waits until this many requests to the route are being handled at once (a
        /// barrier that proves they are concurrent); 504 if they are not within `Patience.base`.
        var together: Int = 0

        init(
            status: Int = 200, headers: [(String, String)] = [], body: String = "", repeatCount: Int = 1,
            gzip: Bool = false, delay: Double = 0, together: Int = 0
        ) {
            self.status = status
            self.headers = headers.map { [$0.0, $0.1] }
            self.body = body
            self.repeatCount = repeatCount
            self.gzip = gzip
            self.delay = delay
            self.together = together
        }

        enum CodingKeys: String, CodingKey {
            case status, headers, body, gzip, delay, together
            case repeatCount = "repeat"
        }
    }

    /// What the server program reads: the routes, and how long a barrier waits.
    private struct Script: Encodable {
        var routes: [String: [Step]]
        var patience: Double
    }

    /// A request as the server received it.
    struct LoggedRequest: Decodable {
        let method: String
        /// The request target exactly as sent (absolute when it came through a proxy).
        let target: String
        let route: String
        /// 1 for the first TCP connection the server accepted, 2 for the next, …
        let connection: Int
        let headers: [[String]]
        let body: String

        /// The first value of header `name` (lowercase).
        func header(_ name: String) -> String? {
            headers.first { $0.first == name }?.last
        }
    }

    let port: Int
    private let process: Process
    private let directory: TemporaryDirectory
    private let logURL: URL

    /// Starts the server with `routes` (path → steps); with `tls`, it speaks HTTPS with that certificate.
    init(routes: [String: [Step]], tls: (certificate: String, key: String)? = nil) async throws {
        directory = try TemporaryDirectory(prefix: "steward-http")
        let programURL = try directory.write("server.py", Self.program)
        let scriptURL = directory.url.appendingPathComponent("script.json")
        try JSONEncoder().encode(Script(routes: routes, patience: Patience.seconds())).write(to: scriptURL)
        logURL = directory.url.appendingPathComponent("requests.jsonl")

        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [programURL.path, scriptURL.path, logURL.path] + (tls.map { [$0.certificate, $0.key] } ?? [])
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()

        guard let port = Int(try await firstLine(of: output))
        else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ShellError(command: ["python3", "server.py"], status: process.terminationStatus, output: stderr)
        }
        self.port = port
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `http://127.0.0.1:<port><path>` (or https when the server speaks TLS).
    func url(_ path: String, scheme: String = "http") -> URL {
        URL(string: "\(scheme)://127.0.0.1:\(port)\(path)")!
    }

    /// Every request received so far, in order.
    func requests() throws -> [LoggedRequest] {
        guard FileManager.default.fileExists(atPath: logURL.path) else { return [] }
        let decoder = JSONDecoder()
        return try String(decoding: Data(contentsOf: logURL), as: UTF8.self)
            .split(separator: "\n")
            .map { try decoder.decode(LoggedRequest.self, from: Data($0.utf8)) }
    }

    /// The requests received for `route`.
    func requests(to route: String) throws -> [LoggedRequest] {
        try requests().filter { $0.route == route }
    }

    /// A loopback port nothing listens on: bound to find a free one, then closed.
    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                guard bind(socket, generic, length) == 0, getsockname(socket, generic, &length) == 0 else {
                    throw ShellError(command: ["bind"], status: errno, output: String(cString: strerror(errno)))
                }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
