import Foundation

/// The last 200 answer of GET requests, kept with its ETag so the next request is conditional and an
/// unchanged resource costs a 304 (which GitHub does not count against the rate limit). Lives as long as
/// the process: the reconcile loop shares one across passes.
public actor GitHubResponseCache {
    private var entries: [String: (etag: String, body: Data)] = [:]

    public init() {}

    /// The cached ETag and body for `url`, if any.
    func entry(_ url: URL) -> (etag: String, body: Data)? {
        entries[url.absoluteString]
    }

    /// Remembers a 200 answer that carried an ETag.
    func store(_ url: URL, etag: String, body: Data) {
        entries[url.absoluteString] = (etag, body)
    }
}
