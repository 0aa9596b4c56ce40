import CLibGit2

/// One named remote of a repository (`git_remote`), freed on deinit.
final class GitRemote {
    let handle: OpaquePointer
    /// The remote borrows the repository's handle, so it keeps the repository alive.
    let repository: GitRepository

    private init(handle: OpaquePointer, repository: GitRepository) {
        self.handle = handle
        self.repository = repository
    }

    deinit {
        git_remote_free(handle)
    }

    /// - Returns: nil when the repository has no remote called `name`.
    static func lookup(_ name: String, in repository: GitRepository) throws -> GitRemote? {
        var handle: OpaquePointer?
        let found = try gitCheck(
            git_remote_lookup(&handle, repository.handle, name),
            "look up remote \(name) in \(repository.path)",
            absent: [GIT_ENOTFOUND, GIT_EINVALIDSPEC]
        )
        return found ? GitRemote(handle: handle!, repository: repository) : nil
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
        // A remote object does not see refspecs added to the config after it was loaded: load it again.
        var loaded: OpaquePointer?
        try gitCheck(git_remote_lookup(&loaded, repository.handle, name), "load remote \(name) of \(repository.path)")
        return GitRemote(handle: loaded!, repository: repository)
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
                try gitCheck(git_remote_fetch(handle, nil, &options, "steward: fetch"), "fetch \(url)")
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
        let refspecs = (0..<git_remote_refspec_count(handle)).compactMap { git_remote_get_refspec(handle, $0) }

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
    /// Points the remote `name` of `repository` at `url` (in its config) and loads it again.
    static func repoint(_ name: String, to url: String, in repository: GitRepository) throws -> GitRemote {
        try gitCheck(git_remote_set_url(repository.handle, name, url), "set the URL of remote \(name) in \(repository.path)")
        guard let remote = try lookup(name, in: repository) else {
            throw GitError(code: .notARepository, operation: "load remote \(name) of \(repository.path)",
                message: "the remote is missing right after its URL was set")
        }
        return remote
    }
}
