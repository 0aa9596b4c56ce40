/// Agents' changes to a repo Steward did not create, waiting on a branch for a person to merge them.
public struct ChangeProposal: Sendable, Hashable, Codable {
    /// `steward/<generation>-<project>`.
    public var branch: String
    /// The branch it is to be merged into (the project's ref).
    public var base: String
    /// The pull request's page and number on GitHub; nil on a forge without pull requests.
    public var url: String?
    public var number: Int?
    /// The commit of `base` when the proposal was made: when the ref moves past it (the merge), the project
    /// continues.
    public var baseCommit: String?
    /// The branch's commit the proposal holds.
    public var head: String?

    public init(branch: String, base: String, url: String? = nil, number: Int? = nil, baseCommit: String? = nil, head: String? = nil) {
        self.branch = branch
        self.base = base
        self.url = url
        self.number = number
        self.baseCommit = baseCommit
        self.head = head
    }

    /// The same proposal into `base`.
    public func with(base: String) -> ChangeProposal {
        var copy = self
        copy.base = base
        return copy
    }

    /// "pull request URL" or "branch B (merge it into BASE)", for questions and `describe`.
    public var summary: String {
        if let url { return "pull request \(url) (branch \(branch) into \(base))" }
        return "branch \(branch) (merge it into \(base))"
    }
}
