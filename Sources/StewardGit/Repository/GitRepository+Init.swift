import CLibGit2
import Foundation

extension GitRepository {
    /// Creates a repository with a working tree at `directory` (made if missing) whose HEAD is the unborn branch
    /// `initialBranch`, as `git init -b BRANCH` does.
    /// - Throws: `GitError` when `directory` already holds a repository (`GIT_REPOSITORY_INIT_NO_REINIT`), or it cannot
    ///   be created.
    public static func createWorking(at directory: URL, initialBranch: String) throws -> GitRepository {
        try GitLibrary.ensureInitialized()
        var options = git_repository_init_options()
        try gitCheck(
            git_repository_init_options_init(&options, UInt32(GIT_REPOSITORY_INIT_OPTIONS_VERSION)),
            "prepare to create repository \(directory.path)")
        options.flags = GIT_REPOSITORY_INIT_MKPATH.rawValue | GIT_REPOSITORY_INIT_NO_REINIT.rawValue
        var handle: OpaquePointer?
        try initialBranch.withCString { branch in
            options.initial_head = branch
            try gitCheck(
                git_repository_init_ext(&handle, directory.path, &options), "create repository \(directory.path)")
        }
        return GitRepository(handle: handle!, path: directory.path)
    }

    /// Sets the index to `commit`'s tree and writes it, so a working tree holding exactly that tree is clean
    /// for `git status` (a commit made with `commit(files:branch:)` does not touch the index).
    public func resetIndex(to commit: GitObjectID) throws {
        var oid = try commit.oid()
        var commitHandle: OpaquePointer?
        try gitCheck(git_commit_lookup(&commitHandle, handle, &oid), "look up commit \(commit) in \(path)")
        defer { git_commit_free(commitHandle) }
        var tree: OpaquePointer?
        try gitCheck(git_commit_tree(&tree, commitHandle), "read the tree of \(commit) in \(path)")
        defer { git_tree_free(tree) }
        var index: OpaquePointer?
        try gitCheck(git_repository_index(&index, handle), "open the index of \(path)")
        defer { git_index_free(index) }
        try gitCheck(git_index_read_tree(index, tree), "read \(commit) into the index of \(path)")
        try gitCheck(git_index_write(index), "write the index of \(path)")
    }

    /// `user.name` and `user.email` from the repository's configuration (its own, the user's, the system's), when
    /// both are set: whom a commit a person asked for is by.
    public func configuredAuthor() throws -> (name: String, email: String)? {
        guard let name = try configString("user.name"), let email = try configString("user.email"),
            !name.isEmpty, !email.isEmpty
        else { return nil }
        return (name, email)
    }
}
