import Foundation

extension FakeGitHubWorld {
    /// Secondary limit, authentication, primary limit, then the endpoint.
    /// - Parameter structured: build repositories as objects (for faults that edit them) rather than
    ///   from the byte cache.
    mutating func route(_ request: FakeHTTPRequest, now: Date, structured: Bool) -> FakeGitHubAnswer {
        if secondaryLimit.requests > 0 {
            secondaryLimit.requests -= 1
            var answer = FakeGitHubAnswer.error(
                secondaryLimit.status,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
                    + "If you reach out to GitHub Support for help, please include the request ID FA6E:\(requestCounter).",
                documentation: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
                counts: false
            )
            answer.headers.append(("retry-after", String(secondaryLimit.retryAfter)))
            return answer
        }

        let path = FakeGitHubRoutePath(request)
        if path.isAppRoute { return appRoute(request, path, now: now) }

        let viewer: FakeGitHubViewer
        switch authenticate(request, now: now) {
        case let .success(who): viewer = who
        case let .failure(refusal): return refusal.answer
        }
        let isRateLimitQuery = path.match("GET", "rate_limit") != nil
        if quota.remaining <= 0, !isRateLimitQuery {
            var answer = FakeGitHubAnswer.error(
                403, primaryLimitMessage(for: viewer),
                documentation: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api", counts: false
            )
            answer.viewer = viewer
            return answer
        }
        var answer = endpoint(request, path, viewer: viewer, now: now, structured: structured)
        answer.viewer = viewer
        return answer
    }

    private mutating func endpoint(
        _ request: FakeHTTPRequest, _ path: FakeGitHubRoutePath, viewer: FakeGitHubViewer, now: Date, structured: Bool
    ) -> FakeGitHubAnswer {
        if path.match("GET", "rate_limit") != nil {
            // GitHub: querying the rate limit does not cost any of it.
            return FakeGitHubAnswer(200, shapes.rateLimit(quota), counts: false)
        }
        if let captured = path.match("GET", "orgs", "*", "repos") {
            guard let org = account(named: captured[0]), org.kind == .organization else {
                return .notFound(documentation: "https://docs.github.com/rest/repos/repos#list-organization-repositories")
            }
            return list(request, owner: org, viewer: viewer, structured: structured)
        }
        if let captured = path.match("POST", "orgs", "*", "repos") {
            return createRepository(request, org: captured[0], viewer: viewer, now: now)
        }
        if let captured = path.match("GET", "orgs", "*") {
            guard let org = account(named: captured[0]), org.kind == .organization else { return .notFound() }
            return accountAnswer(org, viewer: viewer)
        }
        if let captured = path.match("GET", "users", "*", "repos") {
            guard let user = account(named: captured[0]) else {
                return .notFound(documentation: "https://docs.github.com/rest/repos/repos#list-repositories-for-a-user")
            }
            return list(request, owner: user, viewer: viewer, structured: structured)
        }
        if let captured = path.match("GET", "users", "*") {
            guard let user = account(named: captured[0]) else { return .notFound() }
            return accountAnswer(user, viewer: viewer)
        }
        // Where GitHub's `link` headers point for org and user listings.
        if let captured = path.match("GET", "organizations", "*", "repos") {
            guard let id = Int64(captured[0]), let org = account(id: id), org.kind == .organization else { return .notFound() }
            return list(request, owner: org, viewer: viewer, structured: structured)
        }
        if let captured = path.match("GET", "user", "*", "repos") {
            guard let id = Int64(captured[0]), let user = account(id: id) else { return .notFound() }
            return list(request, owner: user, viewer: viewer, structured: structured)
        }
        if let captured = path.match("GET", "repositories", "*") {
            guard let id = Int64(captured[0]), let repo = repositories[id], isVisible(repo, to: viewer) else {
                return .notFound(documentation: "https://docs.github.com/rest/repos/repos#get-a-repository")
            }
            return repositoryAnswer(repo, viewer: viewer, structured: structured)
        }
        if path.method == "GET", path.segments.count >= 5, path.segments[0] == "repos", path.segments[3] == "commits" {
            return commitAnswer(request, owner: path.segments[1], name: path.segments[2],
                ref: path.segments[4...].joined(separator: "/"), viewer: viewer)
        }
        if path.match("GET", "user") != nil {
            guard let login = configuration.tokenUser, viewer == .token, let user = account(named: login) else {
                return .error(403, "Resource not accessible by integration",
                    documentation: "https://docs.github.com/rest/users/users#get-the-authenticated-user")
            }
            return accountAnswer(user, viewer: viewer)
        }
        if let captured = path.match("POST", "user", "repos") {
            _ = captured
            guard let login = configuration.tokenUser, viewer == .token else {
                return .error(403, "Resource not accessible by integration",
                    documentation: "https://docs.github.com/rest/repos/repos#create-a-repository-for-the-authenticated-user")
            }
            return createRepository(request, org: login, viewer: viewer, now: now, asUser: true)
        }
        if let answer = pullRequestRoute(request, path, viewer: viewer) { return answer }
        if let captured = path.match("DELETE", "repos", "*", "*") {
            let docs = "https://docs.github.com/rest/repos/repos#delete-a-repository"
            guard let repo = repository(owner: captured[0], name: captured[1]), isVisible(repo, to: viewer) else {
                return .notFound(documentation: docs)
            }
            _ = removeRepository(id: repo.id)
            return FakeGitHubAnswer(204, nil)
        }
        if let captured = path.match("GET", "repos", "*", "*") {
            if let repo = repository(owner: captured[0], name: captured[1]), isVisible(repo, to: viewer) {
                return repositoryAnswer(repo, viewer: viewer, structured: structured)
            }
            if let id = formerNames["\(captured[0])/\(captured[1])".lowercased()], let repo = repositories[id],
               isVisible(repo, to: viewer)
            {
                // A renamed repository: GitHub redirects the old name to the stable id.
                let location = "\(shapes.api)/repositories/\(id)"
                var answer = FakeGitHubAnswer(301, [
                    "message": "Moved Permanently",
                    "url": .string(location),
                    "documentation_url": "https://docs.github.com/v3/#http-redirects",
                ])
                answer.headers.append(("location", location))
                return answer
            }
            return .notFound(documentation: "https://docs.github.com/rest/repos/repos#get-a-repository")
        }
        return .notFound()
    }

    // MARK: - Authentication

    struct Refusal: Error {
        var answer: FakeGitHubAnswer
    }

    /// The viewer for a token, installation token or nothing; a 401 for anything else.
    func authenticate(_ request: FakeHTTPRequest, now: Date) -> Result<FakeGitHubViewer, Refusal> {
        guard let header = request.header("authorization") else {
            if configuration.allowsAnonymous { return .success(.anonymous) }
            return .failure(Refusal(answer: .error(401, "Requires authentication", counts: false)))
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        var credential: String?
        if parts.count == 2, ["bearer", "token"].contains(parts[0].lowercased()) {
            credential = parts[1].trimmingCharacters(in: .whitespaces)
        } else if parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        {
            // git sends the token as the password (GitHub's convention: user x-access-token).
            credential = String(pair[pair.index(after: colon)...])
        }
        if let credential {
            if credential == configuration.token { return .success(.token) }
            if let issued = installationTokens[credential], issued.expiresAt > now {
                return .success(.installation(issued.installationID))
            }
        }
        return .failure(Refusal(answer: .error(401, "Bad credentials", counts: false)))
    }

    private func primaryLimitMessage(for viewer: FakeGitHubViewer) -> String {
        switch viewer {
        case .token, .app:
            return "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID FA6E:\(requestCounter)."
        case let .installation(id):
            return "API rate limit exceeded for installation ID \(id). If you reach out to GitHub Support for help, please include the request ID FA6E:\(requestCounter)."
        case .anonymous:
            return "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.) If you reach out to GitHub Support for help, please include the request ID FA6E:\(requestCounter)."
        }
    }

    func isVisible(_ repo: FakeGitHubRepository, to viewer: FakeGitHubViewer) -> Bool {
        guard repo.isPrivate else { return true }
        switch viewer {
        case .token: return true
        case let .installation(id): return account(named: repo.owner)?.installationID == id
        case .anonymous, .app: return false
        }
    }

    // MARK: - Repositories

    private mutating func repositoryAnswer(_ repo: FakeGitHubRepository, viewer: FakeGitHubViewer, structured: Bool) -> FakeGitHubAnswer {
        guard let owner = account(named: repo.owner) else { return .notFound() }
        return FakeGitHubAnswer(200, render(repo, owner: owner, full: true, withPermissions: viewer != .anonymous, structured: structured))
    }

    /// A repository's JSON, from the byte cache when `structured` is false and the repository has not
    /// changed since it was rendered.
    private mutating func render(
        _ repo: FakeGitHubRepository, owner: FakeGitHubAccount, full: Bool, withPermissions: Bool, structured: Bool
    ) -> FakeJSON {
        if structured { return shapes.repository(repo, owner: owner, full: full, withPermissions: withPermissions) }
        let key = FakeGitHubRenderKey(id: repo.id, full: full, withPermissions: withPermissions)
        if let cached = renderCache[key], cached.repository == repo { return .serialized(cached.bytes) }
        let bytes = shapes.repository(repo, owner: owner, full: full, withPermissions: withPermissions).serialized()
        renderCache[key] = (repo, bytes)
        return .serialized(bytes)
    }

    private func accountAnswer(_ account: FakeGitHubAccount, viewer: FakeGitHubViewer) -> FakeGitHubAnswer {
        let publicRepos = repositories.values.filter { $0.owner == account.login && !$0.isPrivate }.count
        let created = accountCreatedAt[account.id] ?? Date(timeIntervalSince1970: 0)
        return FakeGitHubAnswer(200, shapes.account(account, publicRepos: publicRepos, createdAt: created))
    }

    /// `GET /orgs/{org}/repos` and `GET /users/{username}/repos`: `type` (org default `all`, user default
    /// `owner`), `sort` (default `full_name`), `direction` (asc for `full_name`, else desc), `per_page`
    /// (default 30, max 100) and `page`, with GitHub's `link` header.
    private mutating func list(_ request: FakeHTTPRequest, owner: FakeGitHubAccount, viewer: FakeGitHubViewer, structured: Bool) -> FakeGitHubAnswer {
        let isOrgListing = request.path.hasPrefix("/orgs/") || request.path.hasPrefix("/organizations/")
        let type = request.query("type") ?? (isOrgListing ? "all" : "owner")
        // GitHub documents `created` as the organization default; the fake lists by `full_name` unless
        // asked otherwise, so pages stay put when repositories are created (as Steward's brief wants).
        let sortKey = ["created", "updated", "pushed", "full_name"].contains(request.query("sort") ?? "")
            ? request.query("sort")! : "full_name"
        let ascending = ["asc", "desc"].contains(request.query("direction") ?? "")
            ? request.query("direction") == "asc" : sortKey == "full_name"
        let perPage = min(100, max(1, Int(request.query("per_page") ?? "") ?? 30))
        let page = max(1, Int(request.query("page") ?? "") ?? 1)

        let repos = repositories.values.filter { repo in
            guard repo.owner == owner.login, isVisible(repo, to: viewer) else { return false }
            switch type {
            case "public": return !repo.isPrivate
            case "private": return repo.isPrivate
            case "forks": return repo.isFork
            case "sources": return !repo.isFork
            default: return true
            }
        }
        // Sort light keys (computed once per repository), then pick the repositories by id.
        let keys: [(name: String, date: Date, id: Int64)] = repos.map { repo in
            switch sortKey {
            case "full_name": return (repo.fullName.lowercased(), repo.createdAt, repo.id)
            case "updated": return ("", repo.updatedAt, repo.id)
            case "pushed": return ("", repo.pushedAt, repo.id)
            default: return ("", repo.createdAt, repo.id)
            }
        }
        let sortedIDs = keys.sorted { a, b in
            let ordered = a.name != b.name ? a.name < b.name : a.date != b.date ? a.date < b.date : a.id < b.id
            return ascending ? ordered : !ordered
        }.map(\.id)

        let lastPage = max(1, (sortedIDs.count + perPage - 1) / perPage)
        let start = (page - 1) * perPage
        let slice = start < sortedIDs.count
            ? sortedIDs[start..<min(sortedIDs.count, start + perPage)].compactMap { repositories[$0] } : []
        let items = slice.map { render($0, owner: owner, full: false, withPermissions: viewer != .anonymous, structured: structured) }
        var answer = FakeGitHubAnswer(200, .array(items))
        answer.isList = true
        answer.link = linkHeader(request, owner: owner, page: page, lastPage: lastPage)
        return answer
    }

    /// GitHub's pagination header: absolute URLs on the owner's id-based path, the request's own query
    /// with `page` replaced, relations in GitHub's order (prev, next, last, first); omitted for one page.
    private func linkHeader(_ request: FakeHTTPRequest, owner: FakeGitHubAccount, page: Int, lastPage: Int) -> String? {
        guard lastPage > 1 || page > 1 else { return nil }
        let base = owner.kind == .organization
            ? "\(shapes.api)/organizations/\(owner.id)/repos" : "\(shapes.api)/user/\(owner.id)/repos"
        let kept = request.queryItems.filter { $0.name != "page" }
        func url(_ number: Int) -> String {
            var components = URLComponents()
            components.queryItems = kept + [URLQueryItem(name: "page", value: String(number))]
            return "<\(base)?\(components.percentEncodedQuery ?? "page=\(number)")>"
        }
        var links: [String] = []
        if page > 1 { links.append("\(url(min(page - 1, lastPage))); rel=\"prev\"") }
        if page < lastPage {
            links.append("\(url(page + 1)); rel=\"next\"")
            links.append("\(url(lastPage)); rel=\"last\"")
        }
        if page > 1 { links.append("\(url(1)); rel=\"first\"") }
        return links.joined(separator: ", ")
    }

    /// `POST /orgs/{org}/repos`: `name` (required; characters GitHub does not allow become `-`),
    /// `description`, `homepage`, `private`, `visibility`, `auto_init`. 201 with the full repository.
    private mutating func createRepository(
        _ request: FakeHTTPRequest, org login: String, viewer: FakeGitHubViewer, now: Date, asUser: Bool = false
    ) -> FakeGitHubAnswer {
        let docs = "https://docs.github.com/rest/repos/repos#create-an-organization-repository"
        guard viewer != .anonymous else { return .error(401, "Requires authentication", documentation: docs, counts: false) }
        let owner: FakeGitHubAccount? = asUser ? ensureAccount(login, kind: .user, now: now) : account(named: login)
        guard let org = owner, asUser || org.kind == .organization else { return .notFound(documentation: docs) }
        if case let .installation(id) = viewer, id != org.installationID {
            return .error(403, "Resource not accessible by integration", documentation: docs)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return .error(400, "Problems parsing JSON", documentation: docs)
        }
        guard let rawName = object["name"] as? String, !rawName.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .error(422, "Invalid request.\n\n\"name\" wasn't supplied.", documentation: docs)
        }
        let name = String(rawName.trimmingCharacters(in: .whitespaces).map { character in
            character.isASCII && (character.isLetter || character.isNumber || "-_.".contains(character)) ? character : "-"
        })
        if repository(owner: org.login, name: name) != nil {
            return FakeGitHubAnswer(422, [
                "message": "Repository creation failed.",
                "errors": [["resource": "Repository", "code": "custom", "field": "name", "message": "name already exists on this account"]],
                "documentation_url": .string(docs),
                "status": "422",
            ])
        }
        let visibility = object["visibility"] as? String
        let isPrivate = (object["private"] as? Bool) ?? (visibility == "private" || visibility == "internal")
        let created = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let template = FakeGitHubRepository(
            id: takeRepositoryID(), owner: org.login, name: name, isPrivate: isPrivate,
            description: object["description"] as? String, homepage: object["homepage"] as? String,
            size: (object["auto_init"] as? Bool) == true ? 1 : 0, createdAt: created
        )
        guard let repo = add(template, now: now) else {
            return .error(422, "Repository creation failed.", documentation: docs)
        }
        if let root = configuration.gitDirectory {
            // The repository's git side: an empty bare repo, as GitHub has right after creation.
            try? FakeGitSmartHTTP.createBareRepository(FakeGitSmartHTTP.directory(root: root, fullName: repo.fullName))
        }
        var answer = FakeGitHubAnswer(201, shapes.repository(repo, owner: org, full: true, withPermissions: true))
        answer.headers.append(("location", "\(shapes.api)/repos/\(repo.fullName)"))
        return answer
    }

    /// `GET /repos/{owner}/{repo}/commits/{ref}` with `Accept: application/vnd.github.sha`: the commit id as
    /// text (branch, tag or commit id), 422 for an unknown ref, 409 for an empty repository. Other media
    /// types get a minimal commit object.
    private func commitAnswer(_ request: FakeHTTPRequest, owner: String, name: String, ref: String, viewer: FakeGitHubViewer) -> FakeGitHubAnswer {
        let docs = "https://docs.github.com/rest/commits/commits#get-a-commit"
        guard let repo = repository(owner: owner, name: name), isVisible(repo, to: viewer) else { return .notFound(documentation: docs) }
        guard let root = configuration.gitDirectory else {
            return .error(409, "Git Repository is empty.", documentation: docs)
        }
        let directory = FakeGitSmartHTTP.directory(root: root, fullName: repo.fullName)
        guard FakeGitSmartHTTP.hasCommits(directory) else { return .error(409, "Git Repository is empty.", documentation: docs) }
        guard let sha = FakeGitSmartHTTP.resolve(ref, in: directory) else {
            return .error(422, "No commit found for SHA: \(ref)", documentation: docs)
        }
        if request.header("accept")?.contains("application/vnd.github.sha") == true {
            var answer = FakeGitHubAnswer(200, nil)
            answer.raw = ("application/vnd.github.sha; charset=utf-8", Array(sha.utf8))
            return answer
        }
        return FakeGitHubAnswer(200, .object([("sha", .string(sha)), ("url", .string("\(shapes.api)/repos/\(repo.fullName)/commits/\(sha)"))]))
    }
}
