import Foundation
import StewardCore

/// A real git repository on disk, built with the git CLI: a work tree plus a bare "remote" it pushes to.
public final class GitFixture: @unchecked Sendable {
    public let root: TemporaryDirectory
    /// Work tree where files are written and committed.
    public let workTree: String
    /// Bare repository that plays the remote config repo (`file://` URL or local path).
    public let bare: String

    public init(branch: String = "main") async throws {
        root = try TemporaryDirectory(prefix: "steward-git")
        workTree = root.url.appendingPathComponent("work").path
        bare = root.url.appendingPathComponent("remote.git").path
        try await run(["git", "init", "-q", "--bare", "-b", branch, bare])
        try await run(["git", "init", "-q", "-b", branch, workTree])
        try await run(["git", "remote", "add", "origin", bare], in: workTree)
    }

    public var fileURL: String { "file://\(bare)" }

    /// Writes a file in the work tree (parents created).
    public func write(_ path: String, _ text: String) throws {
        let url = URL(fileURLWithPath: workTree).appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// Removes a file from the work tree.
    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: URL(fileURLWithPath: workTree).appendingPathComponent(path).path)
    }

    /// Commits everything and pushes the branch (and tags) to the bare remote. - Returns: the commit id.
    @discardableResult
    public func commit(_ message: String = "change", branch: String = "main") async throws -> String {
        try await BlockingWork.run("steward.test.commit") { try commitWaiting(message, branch: branch) }
    }

    /// `commit` on the calling thread: only for code that cannot suspend (a callback of a synchronous API).
    @discardableResult
    public func commitWaiting(_ message: String = "change", branch: String = "main") throws -> String {
        try runBlocking(["git", "add", "-A"], in: workTree)
        try runBlocking(["git", "commit", "-q", "--allow-empty", "-m", message], in: workTree)
        try runBlocking(["git", "push", "-q", "origin", "HEAD:refs/heads/\(branch)"], in: workTree)
        return try runBlocking(["git", "rev-parse", "HEAD"], in: workTree).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Creates and pushes a lightweight tag at HEAD.
    public func tag(_ name: String) async throws {
        try await run(["git", "tag", name], in: workTree)
        try await run(["git", "push", "-q", "origin", "refs/tags/\(name)"], in: workTree)
    }
}
