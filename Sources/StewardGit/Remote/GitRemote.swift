import CLibGit2

/// One remote of a repository (`git_remote`), freed on deinit.
///
/// The remote's URL and fetch refspecs are kept in the repository's config (`remote.NAME.url`, `.fetch`) for
/// people who look at the clone with git, but the object Steward works with is built in memory from the URL,
/// read by its exact key, and the refspecs Steward passes: libgit2 1.5's `git_remote_lookup` (and an anonymous
/// remote that honours `url.*.insteadOf`) runs a regex over every config entry, and its PCRE2 backend leaks
/// the match data of every entry that does not match (~18 KB each, a dozen per lookup), which grew a
/// long-running controller by ~190 KB per pass (docs/ARCHITECTURE.md, "Memory").
final class GitRemote {
    let handle: OpaquePointer
    /// The remote borrows the repository's handle, so it keeps the repository alive.
    let repository: GitRepository
    /// The refspecs every fetch uses (`+src:dst`).
    let fetchRefspecs: [String]

    private init(handle: OpaquePointer, repository: GitRepository, fetchRefspecs: [String]) {
        self.handle = handle
        self.repository = repository
        self.fetchRefspecs = fetchRefspecs
    }

    deinit {
        git_remote_free(handle)
    }

    /// The remote `name` of `repository`, fetching with `fetchRefspecs`.
    /// - Returns: nil when the repository's config has no URL for a remote called `name`.
    static func lookup(_ name: String, in repository: GitRepository, fetchRefspecs: [String]) throws -> GitRemote? {
        guard let url = try repository.configString("remote.\(name).url") else { return nil }
        return try inMemory(url: url, fetchRefspecs: fetchRefspecs, in: repository)
    }

    /// A remote that exists only in this process (nothing is written to the config, no `insteadOf` applied).
    private static func inMemory(url: String, fetchRefspecs: [String], in repository: GitRepository) throws -> GitRemote {
        var options = git_remote_create_options()
        try gitCheck(
            git_remote_create_options_init(&options, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION)),
            "prepare remote options")
        options.repository = repository.handle
        options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF.rawValue | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue
        var handle: OpaquePointer?
        try gitCheck(git_remote_create_with_opts(&handle, url, &options), "open remote \(url) in \(repository.path)")
        return GitRemote(handle: handle!, repository: repository, fetchRefspecs: fetchRefspecs)
    }

    /// Adds a remote to the repository's config, with `fetchRefspecs` as its fetch lines.
    static func create(
        _ name: String,
        url: String,
        fetchRefspecs: [String],
        in repository: GitRepository
    ) throws -> GitRemote {
        var handle: OpaquePointer?
        try gitCheck(
            git_remote_create_with_fetchspec(&handle, repository.handle, name, url, fetchRefspecs.first),
            "add remote \(name) (\(url)) to \(repository.path)"
        )
        git_remote_free(handle)
        for refspec in fetchRefspecs.dropFirst() {
            try gitCheck(
                git_remote_add_fetch(repository.handle, name, refspec),
                "add refspec \(refspec) to remote \(name)"
            )
        }
        return try inMemory(url: url, fetchRefspecs: fetchRefspecs, in: repository)
    }

    /// The URL the remote fetches from.
    var url: String {
        git_remote_url(handle).map { String(cString: $0) } ?? ""
    }

    /// Brings the local refs in line with the remote's (pruning those it no longer has), downloading only
    /// when the remote advertises refs that differ from the local ones. An unchanged remote costs one
    /// connection and a ref listing.
    ///
    /// - Parameter credentials: answers the server's credentials request; nil sends none.
    /// - Returns: true when something changed and was fetched.
    /// - Throws: `GitError`; `.authentication` when credentials were missing or rejected.
    @discardableResult
    func fetchIfChanged(credentials: GitTokenCredentials?) throws -> Bool {
        do {
            return try withExtendedLifetime(credentials) {
                var callbacks = git_remote_callbacks()
                try gitCheck(
                    git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION)),
                    "prepare fetch callbacks"
                )
                if let credentials {
                    callbacks.credentials = GitTokenCredentials.callback
                    callbacks.payload = Unmanaged.passUnretained(credentials).toOpaque()
                }
                var proxy = git_proxy_options()
                try gitCheck(git_proxy_options_init(&proxy, UInt32(GIT_PROXY_OPTIONS_VERSION)), "prepare proxy options")
                // Like the git CLI: http.proxy from git config, else the *_proxy environment variables.
                proxy.type = GIT_PROXY_AUTO

                try gitCheck(
                    git_remote_connect(handle, GIT_DIRECTION_FETCH, &callbacks, &proxy, nil),
                    "connect to \(url)"
                )
                defer { git_remote_disconnect(handle) }
                if try localRefsMatchAdvertised() { return false }

                var options = git_fetch_options()
                try gitCheck(
                    git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)),
                    "prepare fetch options"
                )
                options.callbacks = callbacks
                options.proxy_opts = proxy
                options.prune = GIT_FETCH_PRUNE
                options.update_fetchhead = 0
                // Tags come through the remote's own tag refspec, all of them, as a mirror should.
                options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE
                // Reuses the open connection.
                try withStringArray(fetchRefspecs) { refspecs in
                    try gitCheck(git_remote_fetch(handle, &refspecs, &options, "steward: fetch"), "fetch \(url)")
                }
                return true
            }
        } catch let error as GitError where error.libraryCode == GIT_EAUTH.rawValue {
            throw GitError(
                code: .authentication,
                operation: error.operation,
                message: error.message,
                libraryCode: error.libraryCode
            )
        }
    }

    /// Whether every advertised ref, mapped through the fetch refspecs, already exists locally with the
    /// same id, and no local ref under the refspecs' destinations is missing on the remote.
    private func localRefsMatchAdvertised() throws -> Bool {
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var headCount = 0
        try gitCheck(git_remote_ls(&heads, &headCount, handle), "list the refs of \(url)")
        var parsed: [OpaquePointer] = []
        defer { parsed.forEach { git_refspec_free($0) } }
        for text in fetchRefspecs {
            var refspec: OpaquePointer?
            try gitCheck(git_refspec_parse(&refspec, text, 1), "parse refspec \(text)")
            parsed.append(refspec!)
        }
        let refspecs = parsed

        var advertised: [String: GitObjectID] = [:]
        for index in 0..<headCount {
            guard let head = heads?[index]?.pointee else { continue }
            // Peeled entries (`refs/tags/v1^{}`) describe a tag's target; they are not refs of their own.
            if String(cString: head.name).hasSuffix("^{}") { continue }
            for refspec in refspecs where git_refspec_src_matches(refspec, head.name) == 1 {
                var destination = git_buf()
                defer { git_buf_dispose(&destination) }
                try gitCheck(
                    git_refspec_transform(&destination, refspec, head.name),
                    "map remote ref through a refspec"
                )
                advertised[String(cString: destination.ptr)] = GitObjectID(head.oid)
            }
        }

        var local: [String: GitObjectID] = [:]
        for refspec in refspecs {
            let glob = String(cString: git_refspec_dst(refspec))
            var iterator: OpaquePointer?
            try gitCheck(git_reference_iterator_glob_new(&iterator, repository.handle, glob), "list local refs \(glob)")
            defer { git_reference_iterator_free(iterator) }
            var reference: OpaquePointer?
            while try gitCheck(
                git_reference_next(&reference, iterator),
                "list local refs \(glob)",
                absent: [GIT_ITEROVER]
            ) {
                defer { git_reference_free(reference) }
                if let target = git_reference_target(reference) {
                    local[String(cString: git_reference_name(reference))] = GitObjectID(target.pointee)
                }
            }
        }
        return advertised == local
    }
}

extension GitRemote {
    /// Points the remote `name` of `repository` at `url` (in its config) and opens it again.
    static func repoint(
        _ name: String, to url: String, fetchRefspecs: [String], in repository: GitRepository
    ) throws -> GitRemote {
        try gitCheck(git_remote_set_url(repository.handle, name, url), "set the URL of remote \(name) in \(repository.path)")
        return try inMemory(url: url, fetchRefspecs: fetchRefspecs, in: repository)
    }
}
