import CLibGit2
import Foundation

extension GitRepository {
    /// Writes a git bundle (`# v2 git bundle`) holding `commit` and its whole history under the ref `refName`,
    /// so a server can `git clone` the exact commit from a file, without access to (or credentials for) the
    /// forge. The file is written to a temporary name and renamed, so a reader never sees half a bundle.
    /// - Returns: the size of the bundle in bytes.
    /// - Throws: `GitError` when the commit is not in this repository or the pack cannot be built or written.
    @discardableResult
    public func writeBundle(commit: GitObjectID, refName: String = "refs/heads/steward-deploy", to file: URL) throws -> Int {
        var oid = try commit.oid()
        var object: OpaquePointer?
        try gitCheck(git_commit_lookup(&object, handle, &oid), "find commit \(commit.hex) in \(path)")
        git_commit_free(object)

        var walk: OpaquePointer?
        try gitCheck(git_revwalk_new(&walk, handle), "walk the history of \(commit.hex) in \(path)")
        defer { git_revwalk_free(walk) }
        try gitCheck(git_revwalk_push(walk, &oid), "walk the history of \(commit.hex) in \(path)")

        var builder: OpaquePointer?
        try gitCheck(git_packbuilder_new(&builder, handle), "pack \(commit.hex) in \(path)")
        defer { git_packbuilder_free(builder) }
        try gitCheck(git_packbuilder_insert_walk(builder, walk), "pack the history of \(commit.hex) in \(path)")
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        try gitCheck(git_packbuilder_write_buf(&buffer, builder), "write the pack of \(commit.hex) from \(path)")

        var contents = Data("# v2 git bundle\n\(commit.hex) \(refName)\n\n".utf8)
        if let bytes = buffer.ptr { contents.append(UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: buffer.size) }
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString).tmp")
        try contents.write(to: temporary)
        if rename(temporary.path, file.path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(at: temporary)
            throw GitError(code: .library, operation: "write bundle \(file.path)", message: String(cString: strerror(code)))
        }
        return contents.count
    }
}
