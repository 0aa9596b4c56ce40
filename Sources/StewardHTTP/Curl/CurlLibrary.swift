import CCurl

/// The libcurl this process runs with.
public enum CurlLibrary {
    /// libcurl's version and its TLS backend, from `curl_version()` ("libcurl/7.88.1 OpenSSL/3.0.17 zlib/…"):
    /// "7.88.1 (OpenSSL/3.0.17)". `steward version` prints it.
    public static var runtimeVersion: String {
        guard let text = curl_version() else { return "unknown" }
        let parts = String(cString: text).split(separator: " ")
        guard let first = parts.first else { return "unknown" }
        let version = first.hasPrefix("libcurl/") ? String(first.dropFirst("libcurl/".count)) : String(first)
        return parts.count > 1 ? "\(version) (\(parts[1]))" : version
    }
}
