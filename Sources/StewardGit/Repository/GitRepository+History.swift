import CLibGit2

extension GitRepository {
    /// One commit of a history listing.
    public struct CommitSummary: Sendable, Hashable {
        public var id: GitObjectID
        /// The first line of its message.
        public var subject: String
    }

    /// The commits reachable from `new` and not from `old` (`git log old..new`), newest first, at most `limit`.
    /// - Returns: nil when either commit is not in this repository.
    /// - Throws: when the history cannot be walked.
    public func commits(after old: GitObjectID, through new: GitObjectID, limit: Int) throws -> [CommitSummary]? {
        guard try commitID(matchingPrefix: old.hex) != nil, try commitID(matchingPrefix: new.hex) != nil else { return nil }
        var walk: OpaquePointer?
        try gitCheck(git_revwalk_new(&walk, handle), "walk \(old.hex)..\(new.hex) in \(path)")
        defer { git_revwalk_free(walk) }
        git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue)
        var newOID = try new.oid()
        var oldOID = try old.oid()
        try gitCheck(git_revwalk_push(walk, &newOID), "walk \(old.hex)..\(new.hex) in \(path)")
        try gitCheck(git_revwalk_hide(walk, &oldOID), "walk \(old.hex)..\(new.hex) in \(path)")
        var result: [CommitSummary] = []
        var oid = git_oid()
        while result.count < limit, git_revwalk_next(&oid, walk) == 0 {
            var commit: OpaquePointer?
            try gitCheck(git_commit_lookup(&commit, handle, &oid), "read a commit of \(old.hex)..\(new.hex) in \(path)")
            defer { git_commit_free(commit) }
            let subject = git_commit_summary(commit).map { String(cString: $0) } ?? ""
            result.append(CommitSummary(id: GitObjectID(oid), subject: subject))
        }
        return result
    }
}
