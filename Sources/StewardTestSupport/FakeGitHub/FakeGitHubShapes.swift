import Foundation

/// GitHub's documented response shapes, field for field and in GitHub's order (the "minimal-repository",
/// "full-repository", "simple-user", "installation-token", "rate-limit-overview" and "basic-error" schemas
/// of the REST description), filled from the fake's state. API URLs point at the fake itself.
struct FakeGitHubShapes: Sendable {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    let api: String
    /// Base of `html_url`/`clone_url`, no trailing slash.
    let web: String
    /// Host for `ssh_url`/`git_url`.
    let webHost: String

    init(api: String, web: String) {
        self.api = api
        let trimmed = web.hasSuffix("/") ? String(web.dropLast()) : web
        self.web = trimmed
        let host = URL(string: trimmed)?.host ?? ""
        webHost = host.isEmpty ? "localhost" : host
    }

    /// The "simple-user" object GitHub nests as `owner` (and `organization`, `account`).
    func owner(_ account: FakeGitHubAccount) -> FakeJSON {
        let login = account.login
        let user = "\(api)/users/\(login)"
        return [
            "login": .string(login),
            "id": .int(account.id),
            "node_id": .string(FakeGitHubEncoding.nodeID(type: account.kind == .organization ? "Organization" : "User", id: account.id)),
            "avatar_url": .string("https://avatars.githubusercontent.com/u/\(account.id)?v=4"),
            "gravatar_id": "",
            "url": .string(user),
            "html_url": .string("\(web)/\(login)"),
            "followers_url": .string("\(user)/followers"),
            "following_url": .string("\(user)/following{/other_user}"),
            "gists_url": .string("\(user)/gists{/gist_id}"),
            "starred_url": .string("\(user)/starred{/owner}{/repo}"),
            "subscriptions_url": .string("\(user)/subscriptions"),
            "organizations_url": .string("\(user)/orgs"),
            "repos_url": .string("\(user)/repos"),
            "events_url": .string("\(user)/events{/privacy}"),
            "received_events_url": .string("\(user)/received_events"),
            "type": .string(account.kind.rawValue),
            "user_view_type": "public",
            "site_admin": false,
        ]
    }

    /// A repository as `GET /orgs/{org}/repos` lists it; with `full`, as `GET /repos/{owner}/{repo}` and
    /// `GET /repositories/{id}` answer (merge settings, `organization`, counts). `permissions` only for
    /// authenticated viewers, as GitHub does.
    func repository(_ repo: FakeGitHubRepository, owner account: FakeGitHubAccount, full: Bool, withPermissions: Bool) -> FakeJSON {
        let full_name = "\(account.login)/\(repo.name)"
        let url = "\(api)/repos/\(full_name)"
        let html = "\(web)/\(full_name)"
        var fields: [(String, FakeJSON)] = [
            ("id", .int(repo.id)),
            ("node_id", .string(FakeGitHubEncoding.nodeID(type: "Repository", id: repo.id))),
            ("name", .string(repo.name)),
            ("full_name", .string(full_name)),
            ("private", .bool(repo.isPrivate)),
            ("owner", owner(account)),
            ("html_url", .string(html)),
            ("description", .text(repo.description)),
            ("fork", .bool(repo.isFork)),
            ("url", .string(url)),
            ("forks_url", .string("\(url)/forks")),
            ("keys_url", .string("\(url)/keys{/key_id}")),
            ("collaborators_url", .string("\(url)/collaborators{/collaborator}")),
            ("teams_url", .string("\(url)/teams")),
            ("hooks_url", .string("\(url)/hooks")),
            ("issue_events_url", .string("\(url)/issues/events{/number}")),
            ("events_url", .string("\(url)/events")),
            ("assignees_url", .string("\(url)/assignees{/user}")),
            ("branches_url", .string("\(url)/branches{/branch}")),
            ("tags_url", .string("\(url)/tags")),
            ("blobs_url", .string("\(url)/git/blobs{/sha}")),
            ("git_tags_url", .string("\(url)/git/tags{/sha}")),
            ("git_refs_url", .string("\(url)/git/refs{/sha}")),
            ("trees_url", .string("\(url)/git/trees{/sha}")),
            ("statuses_url", .string("\(url)/statuses/{sha}")),
            ("languages_url", .string("\(url)/languages")),
            ("stargazers_url", .string("\(url)/stargazers")),
            ("contributors_url", .string("\(url)/contributors")),
            ("subscribers_url", .string("\(url)/subscribers")),
            ("subscription_url", .string("\(url)/subscription")),
            ("commits_url", .string("\(url)/commits{/sha}")),
            ("git_commits_url", .string("\(url)/git/commits{/sha}")),
            ("comments_url", .string("\(url)/comments{/number}")),
            ("issue_comment_url", .string("\(url)/issues/comments{/number}")),
            ("contents_url", .string("\(url)/contents/{+path}")),
            ("compare_url", .string("\(url)/compare/{base}...{head}")),
            ("merges_url", .string("\(url)/merges")),
            ("archive_url", .string("\(url)/{archive_format}{/ref}")),
            ("downloads_url", .string("\(url)/downloads")),
            ("issues_url", .string("\(url)/issues{/number}")),
            ("pulls_url", .string("\(url)/pulls{/number}")),
            ("milestones_url", .string("\(url)/milestones{/number}")),
            ("notifications_url", .string("\(url)/notifications{?since,all,participating}")),
            ("labels_url", .string("\(url)/labels{/name}")),
            ("releases_url", .string("\(url)/releases{/id}")),
            ("deployments_url", .string("\(url)/deployments")),
            ("created_at", .string(FakeGitHubEncoding.iso8601(repo.createdAt))),
            ("updated_at", .string(FakeGitHubEncoding.iso8601(repo.updatedAt))),
            ("pushed_at", .string(FakeGitHubEncoding.iso8601(repo.pushedAt))),
            ("git_url", .string("git://\(webHost)/\(full_name).git")),
            ("ssh_url", .string("git@\(webHost):\(full_name).git")),
            ("clone_url", .string("\(html).git")),
            ("svn_url", .string(html)),
            ("homepage", .text(repo.homepage)),
            ("size", .int(repo.size)),
            ("stargazers_count", 0),
            ("watchers_count", 0),
            ("language", .text(repo.language)),
            ("has_issues", true),
            ("has_projects", true),
            ("has_downloads", true),
            ("has_wiki", true),
            ("has_pages", false),
            ("has_discussions", false),
            ("forks_count", 0),
            ("mirror_url", nil),
            ("archived", .bool(repo.isArchived)),
            ("disabled", .bool(repo.isDisabled)),
            ("open_issues_count", 0),
            ("license", nil),
            ("allow_forking", true),
            ("is_template", .bool(repo.isTemplate)),
            ("web_commit_signoff_required", false),
            ("topics", .array(repo.topics.map(FakeJSON.string))),
            ("visibility", .string(repo.isPrivate ? "private" : "public")),
            ("forks", 0),
            ("open_issues", 0),
            ("watchers", 0),
            ("default_branch", .string(repo.defaultBranch)),
        ]
        if withPermissions {
            fields.append(("permissions", ["admin": true, "maintain": true, "push": true, "triage": true, "pull": true]))
        }
        guard full else { return .object(fields) }
        fields += [
            ("temp_clone_token", ""),
            ("allow_squash_merge", true),
            ("allow_merge_commit", true),
            ("allow_rebase_merge", true),
            ("allow_auto_merge", false),
            ("delete_branch_on_merge", false),
            ("allow_update_branch", false),
            ("use_squash_pr_title_as_default", false),
            ("squash_merge_commit_message", "COMMIT_MESSAGES"),
            ("squash_merge_commit_title", "COMMIT_OR_PR_TITLE"),
            ("merge_commit_message", "PR_TITLE"),
            ("merge_commit_title", "MERGE_MESSAGE"),
            ("custom_properties", [:]),
        ]
        if account.kind == .organization { fields.append(("organization", owner(account))) }
        fields += [("network_count", 0), ("subscribers_count", 0)]
        return .object(fields)
    }

    /// `GET /orgs/{org}` ("organization-full", public part) or `GET /users/{username}` ("public-user").
    func account(_ account: FakeGitHubAccount, publicRepos: Int, createdAt: Date) -> FakeJSON {
        let created = FakeJSON.string(FakeGitHubEncoding.iso8601(createdAt))
        guard account.kind == .organization else {
            guard case var .object(fields) = owner(account) else { return owner(account) }
            fields += [
                ("name", nil), ("company", nil), ("blog", ""), ("location", nil), ("email", nil),
                ("hireable", nil), ("bio", nil), ("twitter_username", nil), ("public_repos", .int(Int64(publicRepos))),
                ("public_gists", 0), ("followers", 0), ("following", 0), ("created_at", created), ("updated_at", created),
            ]
            return .object(fields)
        }
        let url = "\(api)/orgs/\(account.login)"
        return [
            "login": .string(account.login),
            "id": .int(account.id),
            "node_id": .string(FakeGitHubEncoding.nodeID(type: "Organization", id: account.id)),
            "url": .string(url),
            "repos_url": .string("\(url)/repos"),
            "events_url": .string("\(url)/events"),
            "hooks_url": .string("\(url)/hooks"),
            "issues_url": .string("\(url)/issues"),
            "members_url": .string("\(url)/members{/member}"),
            "public_members_url": .string("\(url)/public_members{/member}"),
            "avatar_url": .string("https://avatars.githubusercontent.com/u/\(account.id)?v=4"),
            "description": nil,
            "name": .string(account.login),
            "company": nil,
            "blog": "",
            "location": nil,
            "email": nil,
            "twitter_username": nil,
            "is_verified": false,
            "has_organization_projects": true,
            "has_repository_projects": true,
            "public_repos": .int(Int64(publicRepos)),
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "html_url": .string("\(web)/\(account.login)"),
            "created_at": created,
            "updated_at": created,
            "archived_at": nil,
            "type": "Organization",
        ]
    }

    /// The "installation" object of `GET /orgs/{org}/installation`.
    func installation(_ account: FakeGitHubAccount, appID: Int64, permissions: [String: String], createdAt: Date) -> FakeJSON {
        let created = FakeJSON.string(FakeGitHubEncoding.iso8601(createdAt))
        let settings = account.kind == .organization
            ? "\(web)/organizations/\(account.login)/settings/installations/\(account.installationID)"
            : "\(web)/settings/installations/\(account.installationID)"
        return [
            "id": .int(account.installationID),
            "client_id": .string(Self.clientID(appID: appID)),
            "account": owner(account),
            "repository_selection": "all",
            "access_tokens_url": .string("\(api)/app/installations/\(account.installationID)/access_tokens"),
            "repositories_url": .string("\(api)/installation/repositories"),
            "html_url": .string(settings),
            "app_id": .int(appID),
            "app_slug": "steward-fake",
            "target_id": .int(account.id),
            "target_type": .string(account.kind.rawValue),
            "permissions": Self.permissions(permissions),
            "events": [],
            "created_at": created,
            "updated_at": created,
            "single_file_name": nil,
            "has_multiple_single_files": false,
            "single_file_paths": [],
            "suspended_by": nil,
            "suspended_at": nil,
        ]
    }

    /// The "installation-token" answer of `POST /app/installations/{id}/access_tokens`.
    func installationToken(_ token: String, expiresAt: Date, permissions: [String: String]) -> FakeJSON {
        [
            "token": .string(token),
            "expires_at": .string(FakeGitHubEncoding.iso8601(expiresAt)),
            "permissions": Self.permissions(permissions),
            "repository_selection": "all",
        ]
    }

    /// `GET /rate_limit`: the "rate-limit-overview" schema; `rate` repeats `core`, as GitHub does.
    func rateLimit(_ core: FakeGitHubRateLimit) -> FakeJSON {
        let reset = Int64(core.reset.timeIntervalSince1970.rounded(.down))
        func bucket(_ limit: Int, _ used: Int) -> FakeJSON {
            ["limit": .int(Int64(limit)), "used": .int(Int64(used)), "remaining": .int(Int64(limit - used)), "reset": .int(reset)]
        }
        let coreBucket = bucket(core.limit, core.used)
        return [
            "resources": [
                "core": coreBucket,
                "search": bucket(30, 0),
                "graphql": bucket(5000, 0),
                "integration_manifest": bucket(5000, 0),
                "code_search": bucket(10, 0),
            ],
            "rate": coreBucket,
        ]
    }

    /// The "basic-error" body: `message`, `documentation_url` and, as GitHub has sent since 2024, `status` as a string.
    static func error(_ message: String, documentation: String = "https://docs.github.com/rest", status: Int) -> FakeJSON {
        ["message": .string(message), "documentation_url": .string(documentation), "status": .string(String(status))]
    }

    /// The App's client id as the fake reports it: `Iv1.` and the app id in 16 hex digits.
    static func clientID(appID: Int64) -> String {
        let hex = String(appID, radix: 16)
        return "Iv1." + String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    private static func permissions(_ permissions: [String: String]) -> FakeJSON {
        .object(permissions.sorted { $0.key < $1.key }.map { ($0.key, FakeJSON.string($0.value)) })
    }
}
