import Foundation
import StewardCore

/// The fake GitHub's git side: git's smart HTTP protocol for `/OWNER/NAME.git/…`, served by running
/// `git http-backend` as a CGI program over bare repositories at `gitDirectory/OWNER/NAME.git`.
///
/// Requests need the fake's token (or a valid installation token) as HTTP Basic `x-access-token:TOKEN`, or
/// as a Bearer token; without one the answer is 401 with `WWW-Authenticate: Basic`, as GitHub's. Every git
/// request is logged like a REST one (without the credential).
enum FakeGitSmartHTTP {
    /// `root/OWNER/NAME.git`.
    static func directory(root: URL, fullName: String) -> URL {
        root.appendingPathComponent(fullName + ".git", isDirectory: true)
    }

    /// An empty bare repository whose HEAD is `refs/heads/main` (nothing when it exists).
    static func createBareRepository(_ directory: URL) throws {
        guard !FileManager.default.fileExists(atPath: directory.appendingPathComponent("HEAD").path) else { return }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try runBlocking(["git", "init", "-q", "--bare", "--initial-branch=main", directory.path])
    }

    /// Whether the repository has any branch.
    static func hasCommits(_ directory: URL) -> Bool {
        let output = try? runBlocking(["git", "--git-dir", directory.path, "for-each-ref", "--count=1", "refs/heads/"])
        return !(output ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// The commit a branch, tag or commit id names, nil when none does.
    static func resolve(_ ref: String, in directory: URL) -> String? {
        guard !ref.hasPrefix("-") else { return nil }
        let output = try? runBlocking(["git", "--git-dir", directory.path, "rev-parse", "--verify", "--quiet", "\(ref)^{commit}"])
        let sha = (output ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return sha.isEmpty ? nil : sha
    }

    /// `(owner, name)` of a smart HTTP path, nil for other paths.
    static func match(_ path: String) -> (owner: String, name: String)? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard segments.count >= 4, segments[0].isEmpty, segments[2].hasSuffix(".git"), segments[2].count > 4 else { return nil }
        let rest = segments[3...].joined(separator: "/")
        guard ["info/refs", "git-upload-pack", "git-receive-pack"].contains(rest) else { return nil }
        return (segments[1], String(segments[2].dropLast(4)))
    }

    /// The answer to a git request, or nil when `request` is not one (the REST API answers it then).
    static func handle(_ request: FakeHTTPRequest, state: FakeGitHubStateBox) -> FakeHTTPReply? {
        guard let (owner, name) = match(request.path) else { return nil }
        let now = Date()
        let access: Result<(root: URL, fullName: String), FakeGitHubWorld.Refusal>? = state.withWorld { world in
            guard let root = world.configuration.gitDirectory else { return nil }
            if world.gitFaultsRemaining > 0 {
                world.gitFaultsRemaining -= 1
                return .failure(FakeGitHubWorld.Refusal(answer: .error(503, "Service Unavailable", counts: false)))
            }
            switch world.authenticate(request, now: now) {
            case let .failure(refusal):
                return .failure(refusal)
            case let .success(viewer):
                guard let repo = world.repository(owner: owner, name: name), world.isVisible(repo, to: viewer)
                else { return .failure(FakeGitHubWorld.Refusal(answer: .notFound())) }
                return .success((root, repo.fullName))
            }
        }
        guard let access else { return nil }
        var reply: FakeHTTPReply
        switch access {
        case let .failure(refusal):
            let status = refusal.answer.status
            let text = status == 401 ? "Authentication failed" : status == 404 ? "Repository not found" : "Service Unavailable"
            reply = FakeHTTPReply(status: status, body: Array("\(text)\n".utf8))
            reply.headers = [("content-type", "text/plain")]
            if status == 401 { reply.headers.append(("www-authenticate", "Basic realm=\"GitHub\"")) }
        case let .success((root, fullName)):
            let directory = directory(root: root, fullName: fullName)
            do {
                try createBareRepository(directory)
                reply = try backend(request, root: root, pathInfo: "/\(fullName).git/" + request.path.split(separator: "/").dropFirst(2).joined(separator: "/"))
            } catch {
                reply = FakeHTTPReply(status: 500, body: Array("git http-backend failed: \(error)\n".utf8))
            }
        }
        let authorization = request.header("authorization")
        let record = FakeGitHubRequest(
            method: request.method, path: request.path, queryItems: request.queryItems, hadAuthorization: authorization != nil,
            authorizationScheme: authorization.flatMap { $0.split(separator: " ").first.map(String.init) },
            ifNoneMatch: nil, status: reply.status, etag: nil, countedAgainstRateLimit: false,
            rateLimitRemaining: 0, fault: nil, connectionID: request.connectionID, date: now)
        state.withWorld { $0.log.append(record) }
        return reply
    }

    /// Runs `git http-backend` for one request (CGI/1.1) and turns its output into a reply.
    private static func backend(_ request: FakeHTTPRequest, root: URL, pathInfo: String) throws -> FakeHTTPReply {
        let query = request.target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "GIT_PROJECT_ROOT": root.path, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": pathInfo, "QUERY_STRING": query,
            "REQUEST_METHOD": request.method, "CONTENT_LENGTH": String(request.body.count), "REMOTE_USER": "x-access-token",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
            "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.receivepack", "GIT_CONFIG_VALUE_0": "true",
        ]
        if let type = request.header("content-type") { environment["CONTENT_TYPE"] = type }
        if let encoding = request.header("content-encoding") { environment["HTTP_CONTENT_ENCODING"] = encoding }
        if let protocolHeader = request.header("git-protocol") { environment["GIT_PROTOCOL"] = protocolHeader }
        let launch = ProcessLaunch.searchingPath(
            ["git", "http-backend"], environment: environment, workingDirectory: root.path
        )
        let output = try ProcessGroupChild.runToEnd(launch, input: request.body)
        return parseCGI(output.stdout)
    }

    /// A CGI program's output: headers (`Status:` gives the status), a blank line, the body.
    static func parseCGI(_ bytes: [UInt8]) -> FakeHTTPReply {
        var headerEnd: Int?
        var bodyStart = 0
        for index in 0..<bytes.count {
            if index + 1 < bytes.count, bytes[index] == 0x0A, bytes[index + 1] == 0x0A {
                headerEnd = index; bodyStart = index + 2; break
            }
            if index + 3 < bytes.count, bytes[index] == 0x0D, bytes[index + 1] == 0x0A, bytes[index + 2] == 0x0D, bytes[index + 3] == 0x0A {
                headerEnd = index; bodyStart = index + 4; break
            }
        }
        guard let headerEnd else { return FakeHTTPReply(status: 502, body: Array("git http-backend gave no headers\n".utf8)) }
        var status = 200
        var headers: [(String, String)] = []
        for line in String(decoding: bytes[0..<headerEnd], as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                status = Int(value.prefix(3)) ?? 500
            } else if name.lowercased() != "content-length" {
                headers.append((name, value))
            }
        }
        var reply = FakeHTTPReply(status: status, headers: headers, body: Array(bytes[bodyStart...]))
        reply.delivery = .complete
        return reply
    }
}
