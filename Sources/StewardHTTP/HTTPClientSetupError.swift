/// Why an `HTTPClient` could not be created: an invalid configuration, or libcurl failed to initialise.
public struct HTTPClientSetupError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
