import Foundation
import StewardCore
import StewardGit
import StewardGitHub
import StewardHTTP
import StewardTestSupport

/// Deploy sources from GitHub: a repo of `files` files and `commits` commits on the fake GitHub (REST and git
/// smart HTTP on loopback). Times ref resolution (first, and conditional: 304s), the first bundle (mirror
/// clone + pack), an unchanged pass (bundle reused: no git request), and a new commit (incremental fetch).
struct GitHubDeployBenchmark {
    var files: Int
    var commits: Int

    func run() async throws {
        let gitRoot = try TemporaryDirectory(prefix: "steward-bench-git")
        let server = try FakeGitHubServer(configuration: .init(gitDirectory: gitRoot.url))
        _ = server.addOrganization("acme")
        let state = try TemporaryDirectory(prefix: "steward-bench-deploy")
        var content: [String: String] = [:]
        for index in 0..<files { content["src/file-\(index).txt"] = String(repeating: "line \(index)\n", count: 40) }
        try await server.pushCommit(owner: "acme", name: "app", files: content, message: "initial")
        for index in 1..<max(1, commits) {
            try await server.pushCommit(owner: "acme", name: "app", files: ["src/file-\(index % files).txt": "change \(index)\n"], message: "c\(index)")
        }
        let token = server.configuration.token
        var forge = GitHubForge(client: try HTTPClient(), apiURL: server.baseURL,
            credentials: GitHubTokenCredentials(source: .environment("T"), environment: { _ in token }))
        forge.cache = GitHubResponseCache()
        let github = forge
        let mirrors = GitMirrors(root: state.url.appendingPathComponent("mirrors"), tokenSource: "bench", token: { try await github.gitToken() })
        let bundler = LocalSourceBundler(directory: state.url.appendingPathComponent("bundles"), mirrors: mirrors)
        print("GitHub deploy sources: acme/app with \(files) files and \(commits) commits on the fake GitHub (loopback)")

        let (first, resolveFirst) = try await time { try await forge.resolve(repo: "acme/app", ref: "main")! }
        var cached: [Duration] = []
        server.resetLog()
        for _ in 0..<10 { cached.append(try await time { try await forge.resolve(repo: "acme/app", ref: "main") }.1) }
        print("resolve: first \(ms(resolveFirst)) (2 requests); unchanged median of 10 \(ms(median(cached))) "
            + "(\(server.requests.count / 10) requests, \(server.notModifiedCount / 10) of them 304, quota spent \(server.countedRequestCount))")

        server.resetLog()
        let (_, bundleFirst) = try await time { try await bundler.bundle(first) }
        print("first bundle (mirror clone + pack): \(ms(bundleFirst)), git requests \(server.gitRequests.count)")
        server.resetLog()
        var reused: [Duration] = []
        for _ in 0..<10 { reused.append(try await time { try await bundler.bundle(first) }.1) }
        var present: [Duration] = []
        for _ in 0..<10 { present.append(try await time { try await mirrors.ensure(commit: first.commit, cloneURL: first.cloneURL) }.1) }
        print("unchanged: bundle reused median \(ms(median(reused))), commit-present check median \(ms(median(present))), "
            + "git requests \(server.gitRequests.count)")

        try await server.pushCommit(owner: "acme", name: "app", files: ["src/new.txt": "new\n"], message: "new")
        let next = try await forge.resolve(repo: "acme/app", ref: "main")!
        server.resetLog()
        let (_, bundleNext) = try await time { try await bundler.bundle(next) }
        print("new commit: fetch + bundle \(ms(bundleNext)), git requests \(server.gitRequests.count) (\(server.gitFetchCount) fetch)")
    }
}
