import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Glibc
import StewardAnsible
import StewardCore
import StewardModel
import StewardTestSupport
import Testing

/// Shared helpers of the tests that run the real `ansible-playbook`.
enum AnsibleTestSupport {
    /// The repository root (this file is Tests/StewardAnsibleTests/AnsibleTestSupport.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Steward's own playbooks directory.
    static let playbooksDirectory = repositoryRoot.appendingPathComponent("playbooks")

    /// The quickstart app that the deploy tests put into a git repository.
    static let quickstartApp = repositoryRoot.appendingPathComponent("examples/quickstart/app")

    /// A runner on Steward's playbooks with its run dirs under `work`.
    static func runner(work: TemporaryDirectory, grace: Duration = .seconds(2)) -> AnsiblePlaybookRunner {
        AnsiblePlaybookRunner(
            playbooksDirectory: playbooksDirectory, workDirectory: work.url.appendingPathComponent("runs"),
            terminationGracePeriod: grace
        )
    }

    /// Fails the calling test, saying what to install, when `ansible-playbook` is missing. Never skips.
    static func requireAnsible() throws {
        do {
            _ = try AnsiblePlaybookRunner(playbooksDirectory: playbooksDirectory, workDirectory: URL(fileURLWithPath: "/"))
                .locateAnsiblePlaybook()
        } catch {
            Issue.record("these tests run the real ansible-playbook: \(error)")
            throw error
        }
    }

    /// This machine, over Ansible's local connection.
    static func localHost(_ name: String = "local1", vars: [String: JSONValue] = [:]) -> InventoryHost {
        InventoryHost(
            name: name, address: "127.0.0.1", port: 22, user: ProcessInfo.processInfo.userName,
            connection: .local, vars: vars
        )
    }

    /// A TCP port on 127.0.0.1 that nothing listens on right now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0, "socket() failed")
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0, "bind() failed")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Hands out TCP ports of the range 23000–23999 (kept for these tests, so parallel test runs of other
    /// suites, which take ephemeral ports, never collide with them) that nothing listens on right now,
    /// on any address: nginx binds `*:PORT`. Never the same port twice in one test process.
    static func reservedPorts(_ count: Int) throws -> [Int] {
        try portRange.withLock { next in
            var ports: [Int] = []
            var tried = 0
            while ports.count < count {
                tried += 1
                try #require(tried <= 1000, "no free port left in 23000–23999")
                let port = next
                next = next >= 23999 ? 23000 : next + 1
                if canBind(port: port) { ports.append(port) }
            }
            return ports
        }
    }

    /// Where `reservedPorts` continues; starts at a random place so two test processes rarely meet.
    private static let portRange = Locked(23000 + Int.random(in: 0..<900))

    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = INADDR_ANY
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// GET http://127.0.0.1:`port``path`. - Returns: status and body, or nil when nothing answers.
    static func httpGet(port: Int, path: String) async -> (status: Int, body: String)? {
        await httpGet(host: "127.0.0.1", port: port, path: path)
    }

    /// GET http://`host`:`port``path` on a fresh connection. - Returns: status and body, or nil when nothing answers.
    static func httpGet(host: String, port: Int, path: String) async -> (status: Int, body: String)? {
        var request = URLRequest(url: URL(string: "http://\(host):\(port)\(path)")!)
        request.timeoutInterval = 3
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        guard let (data, response) = try? await session.data(for: request),
              let http = response as? HTTPURLResponse
        else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }
}

/// Collects what a callback receives on the runner's thread.
final class Recorder<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Value] = []

    func append(_ value: Value) {
        lock.withLock { storage.append(value) }
    }

    var values: [Value] { lock.withLock { storage } }
}

/// Polls `GET /` of a public port every 20 ms from its own task until stopped: what a user of the app
/// sees during a deploy. Every poll is kept (status, the app's `version`).
final class PublicPortPoller: @unchecked Sendable {
    struct Poll: Sendable {
        /// nil when nothing answered (connection refused or reset, timeout).
        var status: Int?
        var version: String?
    }

    private let stopped = Locked(false)
    private let recorded = Locked<[Poll]>([])
    private var task: Task<Void, Never>?

    init(host: String = "127.0.0.1", port: Int, interval: Duration = .milliseconds(20)) {
        task = Task { [stopped, recorded] in
            // A stop flag, not cancellation: cancelling would abort a request in flight and count it as failed.
            while !stopped.withLock({ $0 }) {
                let answer = await AnsibleTestSupport.httpGet(host: host, port: port, path: "/")
                let poll = Poll(status: answer?.status, version: answer.flatMap { Self.version(in: $0.body) })
                recorded.withLock { $0.append(poll) }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// How many polls finished so far.
    var count: Int { recorded.withLock { $0.count } }

    /// Stops polling. - Returns: every poll, in order.
    func stop() async -> [Poll] {
        stopped.withLock { $0 = true }
        await task?.value
        return recorded.withLock { $0 }
    }

    /// `"version": "N"` of the quickstart app's answer.
    static func version(in body: String) -> String? {
        guard let range = body.range(of: #""version": "([^"]*)""#, options: .regularExpression) else { return nil }
        return String(body[range].dropFirst(#""version": ""#.count).dropLast())
    }
}

/// A value behind a lock, shared between tasks.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try lock.withLock { try body(&value) }
    }
}
