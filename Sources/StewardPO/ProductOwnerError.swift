/// Why the Product Owner could not answer: what happened and what to do.
public struct ProductOwnerError: Error, CustomStringConvertible, Sendable {
    /// What the person sees.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }

    static func notUnderstood(_ message: String) -> ProductOwnerError {
        ProductOwnerError(
            "could not tell what \"\(message)\" asks for; say e.g. \"new project: a url shortener\", \"status of NAME\", "
                + "\"NAME: add a /stats endpoint\" or \"fix NAME\"")
    }
}
