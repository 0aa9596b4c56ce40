import CLibGit2
import Foundation

extension GitRepository {
    /// The contents of the file at `path` in `commit`'s tree.
    /// - Returns: nil when the commit has no such file.
    /// - Throws: when the commit cannot be read, or `path` names a directory.
    public func fileContents(atCommit commit: GitObjectID, path: String) throws -> Data? {
        let tree = try tree(ofCommit: commit)
        defer { git_tree_free(tree) }
        var entry: OpaquePointer?
        let found = try gitCheck(
            git_tree_entry_bypath(&entry, tree, path), "look up \(path) in commit \(commit) of \(self.path)",
            absent: [GIT_ENOTFOUND])
        guard found else { return nil }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else {
            throw GitError(code: .notARepository, operation: "read \(path) in commit \(commit) of \(self.path)",
                message: "it is a directory or a submodule, not a file")
        }
        return try blobContents(GitObjectID(git_tree_entry_id(entry).pointee))
    }

    /// Writes a commit whose tree is `parent`'s tree with the file at `path` set to `contents` (created, or
    /// replaced), without moving any ref: `updateBranch` publishes it.
    /// - Parameters:
    ///   - parent: the commit to build on; nil for the first commit of an empty repository.
    ///   - author: name and e-mail, used as author and committer, dated now.
    /// - Returns: the new commit's id.
    public func commitFile(
        path: String, contents: Data, parent: GitObjectID?, message: String, author: (name: String, email: String)
    ) throws -> GitObjectID {
        var blobOID = git_oid()
        try contents.withUnsafeBytes { bytes in
            _ = try gitCheck(
                git_blob_create_from_buffer(&blobOID, handle, bytes.baseAddress, bytes.count), "write \(path) to \(self.path)")
        }
        var parentCommit: OpaquePointer?
        var baseline: OpaquePointer?
        defer {
            git_commit_free(parentCommit)
            git_tree_free(baseline)
        }
        if let parent {
            var oid = try parent.oid()
            try gitCheck(git_commit_lookup(&parentCommit, handle, &oid), "look up commit \(parent) in \(self.path)")
            try gitCheck(git_commit_tree(&baseline, parentCommit), "read the tree of commit \(parent) in \(self.path)")
        } else {
            baseline = try emptyTree()
        }
        var treeOID = git_oid()
        try path.withCString { cPath in
            var update = git_tree_update(action: GIT_TREE_UPDATE_UPSERT, id: blobOID, filemode: GIT_FILEMODE_BLOB, path: cPath)
            _ = try gitCheck(git_tree_create_updated(&treeOID, handle, baseline, 1, &update), "build the tree with \(path) in \(self.path)")
        }
        var tree: OpaquePointer?
        try gitCheck(git_tree_lookup(&tree, handle, &treeOID), "read the new tree in \(self.path)")
        defer { git_tree_free(tree) }
        var signature: UnsafeMutablePointer<git_signature>?
        try gitCheck(git_signature_now(&signature, author.name, author.email), "make the signature of \(author.name)")
        defer { git_signature_free(signature) }
        var commitOID = git_oid()
        var parents: [OpaquePointer?] = parentCommit.map { [$0] } ?? []
        try parents.withUnsafeMutableBufferPointer { buffer in
            _ = try gitCheck(
                git_commit_create(
                    &commitOID, handle, nil, signature, signature, "UTF-8", message, tree, buffer.count, buffer.baseAddress),
                "commit \(path) in \(self.path)")
        }
        return GitObjectID(commitOID)
    }

    /// Moves `refs/heads/BRANCH` to `commit`, only if it still points at `expected` (nil: only if it does not
    /// exist yet), so a concurrent writer is detected rather than overwritten.
    /// - Throws: `GitError` (`.library`, `GIT_EMODIFIED` or `GIT_EEXISTS`) when the branch moved meanwhile.
    public func updateBranch(_ branch: String, to commit: GitObjectID, from expected: GitObjectID?, message: String) throws {
        var oid = try commit.oid()
        var reference: OpaquePointer?
        let name = "refs/heads/" + branch
        if let expected {
            var current = try expected.oid()
            try gitCheck(
                git_reference_create_matching(&reference, handle, name, &oid, 1, &current, message),
                "move \(name) from \(expected) to \(commit) in \(path)")
        } else {
            try gitCheck(git_reference_create(&reference, handle, name, &oid, 0, message), "create \(name) in \(path)")
        }
        git_reference_free(reference)
    }

    /// Deletes `refs/heads/BRANCH`; nothing when it does not exist.
    public func deleteBranch(_ branch: String) throws {
        var reference: OpaquePointer?
        let name = "refs/heads/" + branch
        guard try gitCheck(git_reference_lookup(&reference, handle, name), "look up \(name) in \(path)", absent: [GIT_ENOTFOUND])
        else { return }
        defer { git_reference_free(reference) }
        try gitCheck(git_reference_delete(reference), "delete \(name) in \(path)")
    }

    /// The branch `HEAD` names (also when it has no commit yet); nil for a detached `HEAD`.
    public func headBranch() throws -> String? {
        var reference: OpaquePointer?
        try gitCheck(git_reference_lookup(&reference, handle, "HEAD"), "read HEAD of \(path)")
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC, let target = git_reference_symbolic_target(reference)
        else { return nil }
        let name = String(cString: target)
        return name.hasPrefix("refs/heads/") ? String(name.dropFirst("refs/heads/".count)) : nil
    }

    /// Brings `path` in the working tree and the index to its state in `commit`, refusing (with
    /// `GIT_ECONFLICT`) when the file was changed locally since `baseline`: a person's unsaved edit is never
    /// overwritten.
    public func checkOut(path: String, of commit: GitObjectID, baseline: GitObjectID?) throws {
        var options = git_checkout_options()
        try gitCheck(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "prepare checkout options")
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        let baselineTree = try baseline.map { try tree(ofCommit: $0) }
        defer { git_tree_free(baselineTree) }
        options.baseline = baselineTree
        var target = try commit.oid()
        var object: OpaquePointer?
        try gitCheck(git_object_lookup(&object, handle, &target, GIT_OBJECT_COMMIT), "look up commit \(commit) in \(self.path)")
        defer { git_object_free(object) }
        let cPath = strdup(path)
        defer { free(cPath) }
        var strings: [UnsafeMutablePointer<CChar>?] = [cPath]
        try strings.withUnsafeMutableBufferPointer { buffer in
            options.paths = git_strarray(strings: buffer.baseAddress, count: 1)
            _ = try gitCheck(git_checkout_tree(handle, object, &options), "check out \(path) in \(self.path)")
        }
    }

    private func tree(ofCommit commit: GitObjectID) throws -> OpaquePointer {
        var oid = try commit.oid()
        var commitHandle: OpaquePointer?
        try gitCheck(git_commit_lookup(&commitHandle, handle, &oid), "look up commit \(commit) in \(path)")
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        try gitCheck(git_commit_tree(&tree, commitHandle), "read the tree of commit \(commit) in \(path)")
        return tree!
    }

    private func emptyTree() throws -> OpaquePointer {
        var builder: OpaquePointer?
        try gitCheck(git_treebuilder_new(&builder, handle, nil), "start an empty tree in \(path)")
        defer { git_treebuilder_free(builder) }
        var oid = git_oid()
        try gitCheck(git_treebuilder_write(&oid, builder), "write an empty tree in \(path)")
        var tree: OpaquePointer?
        try gitCheck(git_tree_lookup(&tree, handle, &oid), "read the empty tree in \(path)")
        return tree!
    }
}
