import CLibGit2
import Foundation

extension GitRepository {
    /// Reads a git bundle (`# v2 git bundle`, as `writeBundle` writes it) into this repository: its pack goes into
    /// the object database through libgit2's pack writer (indexed, every object checked), and `branch` is set to
    /// the bundle's commit. Used by the Recovery agent to re-create a deleted repository with its history.
    /// - Returns: the commit the bundle holds.
    /// - Throws: `GitError` when the file is not a bundle without prerequisites, the pack is damaged, or the
    ///   branch already points elsewhere.
    @discardableResult
    public func importBundle(_ file: URL, branch: String) throws -> GitObjectID {
        let data = try Data(contentsOf: file)
        let operation = "import bundle \(file.path) into \(path)"
        let separator = Data("\n\n".utf8)
        guard data.starts(with: Data("# v2 git bundle\n".utf8)), let end = data.range(of: separator) else {
            throw GitError(code: .library, operation: operation, message: "not a v2 git bundle (no header)")
        }
        let header = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self).split(separator: "\n").dropFirst()
        var tip: GitObjectID?
        for line in header {
            if line.hasPrefix("-") {
                throw GitError(code: .library, operation: operation, message: "the bundle needs prerequisite commits (\(line.dropFirst()))")
            }
            if tip == nil, let hex = line.split(separator: " ").first, let id = GitObjectID(hex: String(hex)) { tip = id }
        }
        guard let tip else { throw GitError(code: .library, operation: operation, message: "the bundle names no commit") }
        let pack = data[end.upperBound...]

        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, handle), operation)
        defer { git_odb_free(odb) }
        var writer: UnsafeMutablePointer<git_odb_writepack>?
        try gitCheck(git_odb_write_pack(&writer, odb, nil, nil), operation)
        guard let writer else { throw GitError(code: .library, operation: operation, message: "no pack writer") }
        defer { writer.pointee.free(writer) }
        var progress = git_indexer_progress()
        let appended = pack.withUnsafeBytes { bytes in
            writer.pointee.append(writer, bytes.baseAddress, bytes.count, &progress)
        }
        try gitCheck(appended, operation)
        try gitCheck(writer.pointee.commit(writer, &progress), operation)

        if let current = try commitID(forReference: "refs/heads/\(branch)") {
            guard current == tip else {
                throw GitError(code: .library, operation: operation,
                    message: "branch \(branch) already points at \(current.hex), not the bundle's \(tip.hex)")
            }
            return tip
        }
        try updateBranch(branch, to: tip, from: nil, message: "steward: restored from bundle \(file.lastPathComponent)")
        return tip
    }
}
