import Foundation

/// A pull request on the fake: what `POST /repos/{owner}/{repo}/pulls` made.
public struct FakePullRequest: Sendable, Hashable {
    public var number: Int
    public var repositoryID: Int64
    public var head: String
    public var base: String
    public var title: String
    public var body: String
    public var open: Bool
}

extension FakeGitHubWorld {
    /// `POST /repos/{owner}/{repo}/pulls` and `GET /repos/{owner}/{repo}/pulls?head=OWNER:BRANCH&state=open`, with
    /// GitHub's 422 for a second open pull request from the same branch.
    mutating func pullRequestRoute(_ request: FakeHTTPRequest, _ path: FakeGitHubRoutePath, viewer: FakeGitHubViewer) -> FakeGitHubAnswer? {
        let docs = "https://docs.github.com/rest/pulls/pulls"
        if let captured = path.match("GET", "repos", "*", "*", "pulls") {
            guard let repo = repository(owner: captured[0], name: captured[1]), isVisible(repo, to: viewer) else {
                return .notFound(documentation: docs)
            }
            let head = request.queryItems.first { $0.name == "head" }?.value
            let state = request.queryItems.first { $0.name == "state" }?.value ?? "open"
            let listed = pullRequests.filter { pull in
                pull.repositoryID == repo.id && (head == nil || "\(repo.owner):\(pull.head)".lowercased() == head!.lowercased())
                    && (state == "all" || (state == "open") == pull.open)
            }
            return FakeGitHubAnswer(200, .array(listed.map { pullObject($0, repo: repo) }))
        }
        guard let captured = path.match("POST", "repos", "*", "*", "pulls") else { return nil }
        guard let repo = repository(owner: captured[0], name: captured[1]), isVisible(repo, to: viewer) else {
            return .notFound(documentation: docs)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else {
            return .error(400, "Problems parsing JSON", documentation: docs)
        }
        guard let head = object["head"] as? String, let base = object["base"] as? String, let title = object["title"] as? String,
            !head.isEmpty, !base.isEmpty
        else { return .error(422, "Invalid request.\n\n\"head\", \"base\" and \"title\" are required.", documentation: docs) }
        if pullRequests.contains(where: { $0.repositoryID == repo.id && $0.head == head && $0.open }) {
            return FakeGitHubAnswer(422, [
                "message": "Validation Failed",
                "errors": [["resource": "PullRequest", "code": "custom", "message": .string("A pull request already exists for \(repo.owner):\(head).")]],
                "documentation_url": .string(docs + "#create-a-pull-request"),
            ])
        }
        let pull = FakePullRequest(
            number: pullRequests.count + 1, repositoryID: repo.id, head: head, base: base, title: title,
            body: object["body"] as? String ?? "", open: true)
        pullRequests.append(pull)
        return FakeGitHubAnswer(201, pullObject(pull, repo: repo))
    }

    private func pullObject(_ pull: FakePullRequest, repo: FakeGitHubRepository) -> FakeJSON {
        [
            "id": .int(Int64(900_000 + pull.number)),
            "number": .int(Int64(pull.number)),
            "state": .string(pull.open ? "open" : "closed"),
            "title": .string(pull.title),
            "body": .string(pull.body),
            "html_url": .string("\(shapes.web)/\(repo.fullName)/pull/\(pull.number)"),
            "url": .string("\(shapes.api)/repos/\(repo.fullName)/pulls/\(pull.number)"),
            "head": ["ref": .string(pull.head), "label": .string("\(repo.owner):\(pull.head)")],
            "base": ["ref": .string(pull.base), "label": .string("\(repo.owner):\(pull.base)")],
        ]
    }
}

extension FakeGitHubServer {
    /// The pull requests opened on the fake, oldest first.
    public var pullRequests: [FakePullRequest] {
        state.withWorld { $0.pullRequests }
    }
}
