import CLibGit2
import Foundation

/// One file of a tree to commit: its bytes and whether it is executable.
public struct GitTreeFile: Sendable, Hashable {
    public var contents: Data
    public var executable: Bool

    public init(contents: Data, executable: Bool = false) {
        self.contents = contents
        self.executable = executable
    }
}

extension GitRepository {
    /// Commits `files` (paths relative to the root, `/`-separated) as the whole tree of `branch`, on top of the
    /// branch's current commit, or of `base`'s when `branch` does not exist yet; works in a bare repository (no
    /// working tree, no index).
    /// - Returns: the new commit, or nil when the tree equals the parent's tree (nothing committed; a new branch
    ///   is then not made either).
    /// - Throws: `GitError` with libgit2's message when an object cannot be written.
    public func commit(
        files: [String: GitTreeFile], branch: String, base: String? = nil, message: String, authorName: String = "Steward",
        authorEmail: String = "steward@localhost"
    ) throws -> GitObjectID? {
        let tree = try writeTree(files.map { (path: $0.key.split(separator: "/").map(String.init), file: $0.value) })
        let reference = "refs/heads/\(branch)"
        var parent = try commitID(forReference: reference)
        if parent == nil, let base { parent = try commitID(forReference: "refs/heads/\(base)") }
        var parentHandle: OpaquePointer?
        if let parent {
            var parentOID = try parent.oid()
            try gitCheck(git_commit_lookup(&parentHandle, handle, &parentOID), "look up commit \(parent) in \(path)")
            if let parentTree = git_commit_tree_id(parentHandle), GitObjectID(parentTree.pointee) == tree {
                git_commit_free(parentHandle)
                return nil
            }
        }
        defer { if let parentHandle { git_commit_free(parentHandle) } }
        var treeOID = try tree.oid()
        var treeHandle: OpaquePointer?
        try gitCheck(git_tree_lookup(&treeHandle, handle, &treeOID), "look up tree \(tree) in \(path)")
        defer { git_tree_free(treeHandle) }
        var signature: UnsafeMutablePointer<git_signature>?
        try gitCheck(git_signature_now(&signature, authorName, authorEmail), "make a commit signature")
        defer { git_signature_free(signature) }
        var commitOID = git_oid()
        var parents: [OpaquePointer?] = parentHandle.map { [$0] } ?? []
        _ = try parents.withUnsafeMutableBufferPointer { buffer in
            try gitCheck(
                git_commit_create(
                    &commitOID, handle, reference, signature, signature, "UTF-8", message, treeHandle, buffer.count,
                    buffer.baseAddress),
                "commit to \(reference) in \(path)")
        }
        return GitObjectID(commitOID)
    }

    /// Writes blobs and nested trees for `entries`; returns the root tree's id.
    private func writeTree(_ entries: [(path: [String], file: GitTreeFile)]) throws -> GitObjectID {
        var builder: OpaquePointer?
        try gitCheck(git_treebuilder_new(&builder, handle, nil), "start a tree in \(path)")
        defer { git_treebuilder_free(builder) }
        var subdirectories: [String: [(path: [String], file: GitTreeFile)]] = [:]
        for entry in entries {
            guard let first = entry.path.first else { continue }
            if entry.path.count > 1 {
                subdirectories[first, default: []].append((Array(entry.path.dropFirst()), entry.file))
                continue
            }
            var blob = git_oid()
            let written = entry.file.contents.withUnsafeBytes { bytes in
                git_blob_create_from_buffer(&blob, handle, bytes.baseAddress, bytes.count)
            }
            try gitCheck(written, "write blob \(first) in \(path)")
            let mode = entry.file.executable ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB
            try gitCheck(git_treebuilder_insert(nil, builder, first, &blob, mode), "add \(first) to a tree in \(path)")
        }
        for (name, children) in subdirectories {
            var subtree = try writeTree(children).oid()
            try gitCheck(git_treebuilder_insert(nil, builder, name, &subtree, GIT_FILEMODE_TREE), "add \(name)/ to a tree in \(path)")
        }
        var tree = git_oid()
        try gitCheck(git_treebuilder_write(&tree, builder), "write a tree in \(path)")
        return GitObjectID(tree)
    }
}
