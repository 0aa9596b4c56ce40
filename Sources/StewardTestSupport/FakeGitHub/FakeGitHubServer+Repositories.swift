import Foundation

extension FakeGitHubServer {
    // MARK: - Accounts

    /// Adds an organization (or returns the existing account of that login).
    /// - Parameter id: the account id; the next free one when nil.
    @discardableResult
    public func addOrganization(_ login: String, id: Int64? = nil) -> FakeGitHubAccount {
        state.withWorld { $0.ensureAccount(login, kind: .organization, id: id, now: Date()) }
    }

    /// Adds a user (or returns the existing account of that login).
    @discardableResult
    public func addUser(_ login: String, id: Int64? = nil) -> FakeGitHubAccount {
        state.withWorld { $0.ensureAccount(login, kind: .user, id: id, now: Date()) }
    }

    /// The account with this login (case-insensitive).
    public func account(_ login: String) -> FakeGitHubAccount? {
        state.withWorld { $0.account(named: login) }
    }

    // MARK: - Adding

    /// Adds a repository; an unknown owner becomes an organization.
    /// - Parameter id: the repository id; the next automatic one (from `firstRepositoryID`) when nil.
    /// - Throws: `FakeGitHubServerError` if the name is taken on that account or the id is in use.
    @discardableResult
    public func addRepository(
        owner: String, name: String, id: Int64? = nil, isPrivate: Bool = false, isArchived: Bool = false,
        description: String? = nil, defaultBranch: String = "main", createdAt: Date? = nil
    ) throws -> FakeGitHubRepository {
        try state.withWorld { world in
            let now = Date()
            let created = createdAt ?? Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
            let template = FakeGitHubRepository(
                id: id ?? world.nextRepositoryID, owner: owner, name: name, isPrivate: isPrivate, isArchived: isArchived,
                defaultBranch: defaultBranch, description: description, createdAt: created
            )
            return try Self.add(template, to: &world, now: now)
        }
    }

    /// Adds a repository with every field given.
    /// - Throws: `FakeGitHubServerError` if the name is taken on that account or the id is in use.
    @discardableResult
    public func add(_ repository: FakeGitHubRepository) throws -> FakeGitHubRepository {
        try state.withWorld { try Self.add(repository, to: &$0, now: Date()) }
    }

    /// Adds `count` public repositories `<namePrefix>0001`… to organization `org` (created if absent),
    /// with consecutive ids and creation times one minute apart from 2024-01-01, so listings and ETags
    /// are the same on every run.
    /// - Throws: `FakeGitHubServerError` if a name is taken; nothing is added then.
    @discardableResult
    public func seed(org: String, count: Int, namePrefix: String = "repo-") throws -> [FakeGitHubRepository] {
        try state.withWorld { world in
            let now = Date()
            let owner = world.ensureAccount(org, kind: .organization, now: now)
            let width = max(4, String(count).count)
            let names = (1...max(1, count)).prefix(count).map { index -> String in
                let digits = String(index)
                return namePrefix + String(repeating: "0", count: width - digits.count) + digits
            }
            if let taken = names.first(where: { world.repository(owner: owner.login, name: $0) != nil }) {
                throw FakeGitHubServerError(description: "fake GitHub: \(owner.login)/\(taken) already exists; seed into another organization or prefix")
            }
            let epoch = Date(timeIntervalSince1970: 1_704_067_200)  // 2024-01-01T00:00:00Z
            var added: [FakeGitHubRepository] = []
            added.reserveCapacity(count)
            for (offset, name) in names.enumerated() {
                let repo = FakeGitHubRepository(
                    id: world.takeRepositoryID(), owner: owner.login, name: name,
                    description: "Seeded repository \(offset + 1)", createdAt: epoch.addingTimeInterval(Double(offset) * 60)
                )
                try added.append(Self.add(repo, to: &world, now: now))
            }
            return added
        }
    }

    private static func add(_ repository: FakeGitHubRepository, to world: inout FakeGitHubWorld, now: Date) throws -> FakeGitHubRepository {
        if world.repositories[repository.id] != nil {
            throw FakeGitHubServerError(description: "fake GitHub: repository id \(repository.id) is already in use")
        }
        guard let added = world.add(repository, now: now) else {
            throw FakeGitHubServerError(description: "fake GitHub: \(repository.fullName) already exists")
        }
        return added
    }

    // MARK: - Changing

    /// Deletes a repository and its git data (as `DELETE /repos/{owner}/{repo}` does): afterwards it answers 404
    /// by id, by name and by former names.
    /// - Returns: whether it existed.
    @discardableResult
    public func removeRepository(id: Int64) -> Bool {
        state.withWorld { $0.removeRepository(id: id) != nil }
    }

    /// Deletes the repository `owner/name`. - Returns: whether it existed.
    @discardableResult
    public func removeRepository(owner: String, name: String) -> Bool {
        state.withWorld { world in
            guard let repo = world.repository(owner: owner, name: name) else { return false }
            return world.removeRepository(id: repo.id) != nil
        }
    }

    /// Renames a repository; the id stays, and the old name answers 301 to `/repositories/{id}`.
    /// - Throws: `FakeGitHubServerError` if the repository is unknown or the name is taken.
    @discardableResult
    public func renameRepository(id: Int64, to newName: String) throws -> FakeGitHubRepository {
        try state.withWorld { world in
            guard world.repositories[id] != nil else {
                throw FakeGitHubServerError(description: "fake GitHub: no repository with id \(id) to rename")
            }
            guard let renamed = world.renameRepository(id: id, to: newName, now: Date()) else {
                throw FakeGitHubServerError(description: "fake GitHub: cannot rename \(id) to \(newName): the name is taken")
            }
            return renamed
        }
    }

    /// Archives (or unarchives) a repository; `updated_at` moves to now.
    /// - Throws: `FakeGitHubServerError` if the repository is unknown.
    @discardableResult
    public func archiveRepository(id: Int64, archived: Bool = true) throws -> FakeGitHubRepository {
        try updateRepository(id: id) { $0.isArchived = archived }
    }

    /// Changes any fields of a repository (the id stays); `updated_at` moves to now unless `change` sets it.
    /// A changed name or owner keeps the old full name as a redirect, as a rename does.
    /// - Throws: `FakeGitHubServerError` if the repository is unknown or its new full name is taken.
    @discardableResult
    public func updateRepository(id: Int64, _ change: (inout FakeGitHubRepository) -> Void) throws -> FakeGitHubRepository {
        try state.withWorld { world in
            let now = Date()
            guard let before = world.repositories[id] else {
                throw FakeGitHubServerError(description: "fake GitHub: no repository with id \(id) to update")
            }
            let updated = world.updateRepository(id: id, now: now) { repo in
                change(&repo)
                if repo.updatedAt == before.updatedAt {
                    repo.updatedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
                }
            }
            guard let updated else {
                throw FakeGitHubServerError(description: "fake GitHub: cannot update \(id): its new full name is taken")
            }
            return updated
        }
    }

    // MARK: - Reading

    /// The repository with this id.
    public func repository(id: Int64) -> FakeGitHubRepository? {
        state.withWorld { $0.repositories[id] }
    }

    /// The repository `owner/name` (case-insensitive; not by former names).
    public func repository(owner: String, name: String) -> FakeGitHubRepository? {
        state.withWorld { $0.repository(owner: owner, name: name) }
    }

    /// The repositories of an account, by full name.
    public func repositories(owner: String) -> [FakeGitHubRepository] {
        state.withWorld { world in
            let login = world.account(named: owner)?.login ?? owner
            return world.repositories.values.filter { $0.owner == login }.sorted { $0.fullName.lowercased() < $1.fullName.lowercased() }
        }
    }
}
