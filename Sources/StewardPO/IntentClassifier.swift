/// Turns a person's message into an `Intent`: the seam between the PO and its backends (builtin rules, an
/// OpenAI-compatible chat endpoint).
public protocol IntentClassifier: Sendable {
    /// - Parameters:
    ///   - message: what the person wrote.
    ///   - projects: names of the projects Steward knows, to resolve "how is the url shortener".
    /// - Throws: `ProductOwnerError` when the message cannot be classified or the backend fails.
    func classify(_ message: String, projects: [String]) async throws -> Intent
}
