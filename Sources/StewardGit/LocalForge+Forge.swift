import Foundation
import StewardCore
import StewardModel

/// The local forge as a full `Forge`: stable numeric ids, listing with an ETag, idempotent creation.
///
/// Ids live in a `steward-id` file inside each bare repo, assigned on first sight in the order repos are
/// listed (max + 1) under a lock file, so a repo made by hand gets one too and keeps it. `steward-archived`
/// in a repo marks it archived.
extension LocalForge: Forge {
    static let idFile = "steward-id"
    static let archivedFile = "steward-archived"

    public func listRepositories(owner: String, cached: [ForgePage]) async throws -> [ForgePage] {
        _ = try repositoryDirectory(for: "\(owner)/x")
        let repositories = try withIDLock { try scan(owners: [owner]) }
        // One page, validated as GitHub would: the ETag is a hash of the listing.
        let etag = "W/\"\(CanonicalJSON.hash(repositories).prefix(32))\""
        let unchanged = cached.count == 1 && cached[0].etag == etag
        return [ForgePage(number: 1, etag: etag, hasNext: false, repositories: repositories, notModified: unchanged)]
    }

    public func repository(id: Int64) async throws -> ForgeLookup {
        let owners = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let all = try scan(owners: owners.filter { !$0.hasPrefix(".") }, assign: false)
        return all.first { $0.id == id }.map { .found($0) } ?? .notFound
    }

    public func createRepository(owner: String, name: String, isPrivate: Bool, description: String?) async throws -> ForgeRepository {
        let directory = try repositoryDirectory(for: "\(owner)/\(name)")
        return try withIDLock {
            let fileManager = FileManager.default
            // A directory without HEAD is a creation a crash (`kill -9`) cut short: nothing was ever pushed to it.
            if fileManager.fileExists(atPath: directory.path),
                !fileManager.fileExists(atPath: directory.appendingPathComponent("HEAD").path) {
                try fileManager.removeItem(at: directory)
            }
            if !fileManager.fileExists(atPath: directory.path) {
                // Made beside it and renamed into place, so the repo appears whole or not at all.
                let owner = directory.deletingLastPathComponent()
                try fileManager.createDirectory(at: owner, withIntermediateDirectories: true)
                let staged = owner.appendingPathComponent(".\(name).git.\(UUID().uuidString.prefix(8)).new", isDirectory: true)
                defer { try? fileManager.removeItem(at: staged) }
                _ = try GitRepository.createBare(at: staged)
                try Data("ref: refs/heads/main\n".utf8).write(to: staged.appendingPathComponent("HEAD"))
                if let description {
                    try Data((description + "\n").utf8).write(to: staged.appendingPathComponent("description"))
                }
                try fileManager.moveItem(at: staged, to: directory)
            }
            guard let created = try scan(owners: [owner]).first(where: { $0.name == name }) else {
                throw GitError(code: .notARepository, operation: "create \(owner)/\(name) in the local forge",
                    message: "\(directory.path) is not a bare repository after creating it")
            }
            return created
        }
    }

    /// Every bare repo of `owners`, ids assigned where missing (when `assign`), sorted by owner and name.
    private func scan(owners: [String], assign: Bool = true) throws -> [ForgeRepository] {
        let fileManager = FileManager.default
        var found: [(directory: URL, owner: String, name: String, id: Int64?)] = []
        for owner in owners.sorted() {
            let ownerDirectory = root.appendingPathComponent(owner, isDirectory: true)
            let entries = (try? fileManager.contentsOfDirectory(atPath: ownerDirectory.path)) ?? []
            for entry in entries.sorted() where entry.hasSuffix(".git") {
                let directory = ownerDirectory.appendingPathComponent(entry, isDirectory: true).resolvingSymlinksInPath()
                guard fileManager.fileExists(atPath: directory.appendingPathComponent("HEAD").path) else { continue }
                let id = (try? String(contentsOf: directory.appendingPathComponent(Self.idFile), encoding: .utf8))
                    .flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                found.append((directory, owner, String(entry.dropLast(4)), id))
            }
        }
        var next = max(try highestID(), found.compactMap(\.id).max() ?? 0) + 1
        var repositories: [ForgeRepository] = []
        for item in found {
            var id = item.id
            if id == nil, assign {
                id = next
                try Data("\(next)\n".utf8).write(to: item.directory.appendingPathComponent(Self.idFile))
                try Data("\(next)\n".utf8).write(to: root.appendingPathComponent(".steward-last-id"))
                next += 1
            }
            guard let id else { continue }
            let head = (try? String(contentsOf: item.directory.appendingPathComponent("HEAD"), encoding: .utf8)) ?? ""
            let branch = head.hasPrefix("ref: refs/heads/")
                ? String(head.dropFirst("ref: refs/heads/".count)).trimmingCharacters(in: .whitespacesAndNewlines) : "main"
            repositories.append(ForgeRepository(
                id: id, owner: item.owner, name: item.name, defaultBranch: branch,
                archived: fileManager.fileExists(atPath: item.directory.appendingPathComponent(Self.archivedFile).path),
                isPrivate: true, cloneURL: "file://\(item.directory.path)"))
        }
        return repositories
    }

    /// The highest id ever assigned: ids of deleted repos are not reused.
    private func highestID() throws -> Int64 {
        let text = try? String(contentsOf: root.appendingPathComponent(".steward-last-id"), encoding: .utf8)
        return text.flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
    }

    /// Serializes id assignment across processes with an exclusive lock on `root/.steward-ids.lock`.
    private func withIDLock<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return try FileLock.withExclusiveLock(root.appendingPathComponent(".steward-ids.lock").path, operation: "lock the local forge", body)
    }
}
