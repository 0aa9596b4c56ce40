import Foundation

/// What one transfer produced, before the retry policy looks at it.
struct RawResponse: Sendable {
    let status: Int
    /// Header fields of the final response, names lowercased.
    let headers: HTTPHeaders
    let body: Data
    /// `CURLINFO_EFFECTIVE_URL`: the URL after redirects.
    let effectiveURL: String
    /// `CURLINFO_NUM_CONNECTS`: connections libcurl opened for this transfer; 0 when it reused one.
    let newConnections: Int
}
