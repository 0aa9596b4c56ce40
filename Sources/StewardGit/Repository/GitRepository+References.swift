import CLibGit2

extension GitRepository {
    /// The commit a full ref name (`refs/heads/main`, `refs/tags/v1`) points at, annotated tags peeled.
    /// - Returns: nil when no such ref exists or `name` is not a valid ref name.
    /// - Throws: when the ref exists but does not lead to a commit, or the ref store cannot be read.
    public func commitID(forReference name: String) throws -> GitObjectID? {
        var reference: OpaquePointer?
        let found = try gitCheck(
            git_reference_lookup(&reference, handle, name),
            "look up ref \(name) in \(path)",
            absent: [GIT_ENOTFOUND, GIT_EINVALIDSPEC]
        )
        guard found else { return nil }
        defer { git_reference_free(reference) }
        var commit: OpaquePointer?
        try gitCheck(
            git_reference_peel(&commit, reference, GIT_OBJECT_COMMIT),
            "peel ref \(name) to a commit in \(path)"
        )
        defer { git_object_free(commit) }
        return GitObjectID(git_object_id(commit).pointee)
    }

    /// The commit whose id is or starts with `prefix`.
    /// - Returns: nil when `prefix` is not 7 to 40 hex digits, or no commit has that id.
    /// - Throws: when the prefix is ambiguous or the object database cannot be read.
    public func commitID(matchingPrefix prefix: String) throws -> GitObjectID? {
        let length = prefix.utf8.count
        guard (7...40).contains(length), prefix.utf8.allSatisfy(\.isHexDigit) else { return nil }
        var oid = git_oid()
        try gitCheck(git_oid_fromstrn(&oid, prefix, length), "parse commit id \(prefix)")
        var commit: OpaquePointer?
        // A prefix of an object that is not a commit reports GIT_ENOTFOUND, like a missing one.
        let found = try gitCheck(
            git_object_lookup_prefix(&commit, handle, &oid, length, GIT_OBJECT_COMMIT),
            "look up commit \(prefix) in \(path)",
            absent: [GIT_ENOTFOUND]
        )
        guard found else { return nil }
        defer { git_object_free(commit) }
        return GitObjectID(git_object_id(commit).pointee)
    }

    /// Resolves a manifest's ref, trying in order: a full ref name (`refs/…`), a branch under
    /// `branchNamespace`, a tag (peeled to its commit), a full or abbreviated commit id.
    ///
    /// - Parameters:
    ///   - ref: what the user wrote: `main`, `v1.2`, `refs/heads/main`, `1a2b3c4`.
    ///   - branchNamespace: where branches live: `refs/heads/` in a forge repo,
    ///     `refs/remotes/origin/` in a mirror clone (where `refs/heads/X` is also looked up there).
    /// - Returns: nil when nothing matches.
    public func resolveCommit(_ ref: String, branchNamespace: String) throws -> GitObjectID? {
        var candidates: [String] = []
        if ref.hasPrefix("refs/") {
            candidates.append(ref)
            if ref.hasPrefix("refs/heads/"), branchNamespace != "refs/heads/" {
                candidates.append(branchNamespace + ref.dropFirst("refs/heads/".count))
            }
        } else {
            candidates.append(branchNamespace + ref)
            candidates.append("refs/tags/" + ref)
        }
        for candidate in candidates {
            if let commit = try commitID(forReference: candidate) { return commit }
        }
        return try commitID(matchingPrefix: ref)
    }
}
