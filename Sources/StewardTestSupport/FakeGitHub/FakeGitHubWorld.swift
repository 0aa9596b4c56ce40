import Foundation

/// Everything the fake GitHub knows: accounts, repositories, credentials, quota, pending faults and the
/// request log. A value type used only under `FakeGitHubServer`'s lock.
struct FakeGitHubWorld {
    var configuration: FakeGitHubServer.Configuration
    var shapes: FakeGitHubShapes

    /// Keyed by lowercased login: GitHub logins are case-insensitive.
    var accounts: [String: FakeGitHubAccount] = [:]
    var accountCreatedAt: [Int64: Date] = [:]
    var nextAccountID: Int64 = 1
    var repositories: [Int64: FakeGitHubRepository] = [:]
    /// Lowercased `owner/name` of every current repository.
    var repositoryIDsByName: [String: Int64] = [:]
    /// Lowercased `owner/name` a repository had before a rename: answered with 301.
    var formerNames: [String: Int64] = [:]
    var nextRepositoryID: Int64

    /// Issued installation tokens and when each stops working.
    var installationTokens: [String: (installationID: Int64, expiresAt: Date)] = [:]

    /// Serialized repositories, valid while the stored copy equals the current state and `shapes` is unchanged.
    var renderCache: [FakeGitHubRenderKey: (repository: FakeGitHubRepository, bytes: [UInt8])] = [:]

    var quota: FakeGitHubRateLimit
    var secondaryLimit: (requests: Int, retryAfter: Int, status: Int) = (0, 0, 403)
    /// Git requests still to be answered 503 (a git front end that is down while the API works).
    var gitFaultsRemaining = 0
    var faultRules: [FakeGitHubFaultRule] = []
    var log: [FakeGitHubRequest] = []
    var pullRequests: [FakePullRequest] = []
    var requestCounter: UInt64 = 0

    init(configuration: FakeGitHubServer.Configuration, apiBase: String, now: Date) {
        self.configuration = configuration
        shapes = FakeGitHubShapes(api: apiBase, web: configuration.webBaseURL)
        nextRepositoryID = configuration.firstRepositoryID
        quota = FakeGitHubRateLimit(
            limit: configuration.rateLimit, remaining: configuration.rateLimit,
            reset: Self.wholeSecond(now.addingTimeInterval(configuration.rateLimitWindow))
        )
    }

    /// Applies a new configuration; URLs in answers may change, so rendered repositories are dropped.
    mutating func reconfigure(_ newValue: FakeGitHubServer.Configuration) {
        configuration = newValue
        shapes = FakeGitHubShapes(api: shapes.api, web: newValue.gitDirectory != nil ? shapes.api : newValue.webBaseURL)
        renderCache.removeAll()
    }

    // MARK: - Accounts

    func account(named login: String) -> FakeGitHubAccount? { accounts[login.lowercased()] }

    func account(id: Int64) -> FakeGitHubAccount? { accounts.values.first { $0.id == id } }

    /// The account, created with `kind` if absent (an existing one keeps its kind).
    @discardableResult
    mutating func ensureAccount(_ login: String, kind: FakeGitHubAccount.Kind, id: Int64? = nil, now: Date) -> FakeGitHubAccount {
        if let existing = account(named: login) { return existing }
        let accountID = id ?? nextAccountID
        nextAccountID = max(nextAccountID, accountID + 1)
        // Installation ids in their own range so they are never mistaken for account or repository ids.
        let created = FakeGitHubAccount(id: accountID, login: login, kind: kind, installationID: 70_000 + accountID)
        accounts[login.lowercased()] = created
        accountCreatedAt[accountID] = now
        return created
    }

    // MARK: - Repositories

    func repository(owner: String, name: String) -> FakeGitHubRepository? {
        repositoryIDsByName["\(owner)/\(name)".lowercased()].flatMap { repositories[$0] }
    }

    /// Adds a repository; its owner is created as an organization if unknown.
    /// - Returns: nil if the name is taken on that account or the id is in use.
    mutating func add(_ template: FakeGitHubRepository, now: Date) -> FakeGitHubRepository? {
        let owner = ensureAccount(template.owner, kind: .organization, now: now)
        var repo = template
        repo.owner = owner.login
        let key = repo.fullName.lowercased()
        guard repositoryIDsByName[key] == nil, repositories[repo.id] == nil else { return nil }
        nextRepositoryID = max(nextRepositoryID, repo.id + 1)
        repositories[repo.id] = repo
        repositoryIDsByName[key] = repo.id
        formerNames[key] = nil
        return repo
    }

    mutating func takeRepositoryID() -> Int64 {
        defer { nextRepositoryID += 1 }
        return nextRepositoryID
    }

    /// Deletes a repository: afterwards 404 by id, by name and by any former name.
    @discardableResult
    mutating func removeRepository(id: Int64) -> FakeGitHubRepository? {
        guard let repo = repositories.removeValue(forKey: id) else { return nil }
        for full in [false, true] {
            for withPermissions in [false, true] { renderCache[FakeGitHubRenderKey(id: id, full: full, withPermissions: withPermissions)] = nil }
        }
        repositoryIDsByName[repo.fullName.lowercased()] = nil
        formerNames = formerNames.filter { $0.value != id }
        if let root = configuration.gitDirectory {
            // GitHub deletes the git data with the repository: a new one of the same name starts empty.
            try? FileManager.default.removeItem(at: FakeGitSmartHTTP.directory(root: root, fullName: repo.fullName))
        }
        return repo
    }

    /// Renames in place (same id); the old name answers 301 to `/repositories/{id}` until reused.
    /// - Returns: nil if the repository is unknown or the new name is taken.
    mutating func renameRepository(id: Int64, to newName: String, now: Date) -> FakeGitHubRepository? {
        guard var repo = repositories[id] else { return nil }
        let oldKey = repo.fullName.lowercased()
        let newKey = "\(repo.owner)/\(newName)".lowercased()
        if newKey != oldKey, repositoryIDsByName[newKey] != nil { return nil }
        repositoryIDsByName[oldKey] = nil
        if newKey != oldKey { formerNames[oldKey] = id }
        formerNames[newKey] = nil
        repo.name = newName
        repo.updatedAt = now
        repositories[id] = repo
        repositoryIDsByName[newKey] = id
        return repo
    }

    /// Applies `change` to a repository, keeping the name index right if the name or owner changed.
    mutating func updateRepository(id: Int64, now: Date, _ change: (inout FakeGitHubRepository) -> Void) -> FakeGitHubRepository? {
        guard let before = repositories[id] else { return nil }
        var after = before
        change(&after)
        after.id = id
        if after.fullName.lowercased() != before.fullName.lowercased() {
            let owner = ensureAccount(after.owner, kind: .organization, now: now)
            after.owner = owner.login
            let newKey = after.fullName.lowercased()
            guard repositoryIDsByName[newKey] == nil else { return nil }
            repositoryIDsByName[before.fullName.lowercased()] = nil
            formerNames[before.fullName.lowercased()] = id
            formerNames[newKey] = nil
            repositoryIDsByName[newKey] = id
        }
        repositories[id] = after
        return after
    }

    // MARK: - Quota

    /// Starts a new window when the old one has ended, as GitHub's hourly reset does.
    mutating func refreshQuota(now: Date) {
        guard now >= quota.reset else { return }
        quota.remaining = quota.limit
        quota.reset = Self.wholeSecond(now.addingTimeInterval(configuration.rateLimitWindow))
    }

    /// GitHub's `x-ratelimit-reset` is whole epoch seconds; the state keeps it that way too.
    static func wholeSecond(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }

    // MARK: - Faults

    /// Consumes and returns the first pending fault matching `request`.
    mutating func takeFault(for request: FakeHTTPRequest) -> FakeGitHubFault? {
        guard let index = faultRules.firstIndex(where: { $0.matches(request) }) else { return nil }
        faultRules[index].remaining -= 1
        let fault = faultRules[index].fault
        if faultRules[index].remaining <= 0 { faultRules.remove(at: index) }
        return fault
    }
}

/// One rendering of a repository: list items and single answers differ, and so do anonymous ones.
struct FakeGitHubRenderKey: Hashable {
    var id: Int64
    var full: Bool
    var withPermissions: Bool
}
