import CCurl
import Foundation

extension CurlEasyHandle {
    /// Configures the handle for `request` and runs it on the calling thread, which blocks until the
    /// transfer finishes, fails, times out, or `cancellation` is set.
    func perform(_ request: PreparedRequest, cancellation: CancellationFlag) throws(CurlFailure) -> RawResponse {
        let context = TransferContext(cancellation: cancellation)
        try withExtendedLifetime(context) { () throws(CurlFailure) in
            try reset()
            try configure(for: request, context: context)
            if cancellation.isCancelled {
                throw CurlFailure(code: CURLE_ABORTED_BY_CALLBACK, operation: "curl_easy_perform", detail: "")
            }
            try perform()
        }
        return RawResponse(
            status: try info(CURLINFO_RESPONSE_CODE),
            headers: context.headers,
            body: context.body,
            effectiveURL: try info(string: CURLINFO_EFFECTIVE_URL) ?? request.url,
            newConnections: try info(CURLINFO_NUM_CONNECTS)
        )
    }

    private func configure(for request: PreparedRequest, context: TransferContext) throws(CurlFailure) {
        try set(CURLOPT_URL, request.url)
        // Signals are unsafe in a multi-threaded process; libcurl's threaded resolver needs none.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMilliseconds)
        try set(CURLOPT_TIMEOUT_MS, request.totalTimeoutMilliseconds)
        try set(CURLOPT_USERAGENT, request.userAgent)
        // "" advertises every encoding this libcurl decodes (gzip, deflate, br, zstd) and decodes the body.
        try set(CURLOPT_ACCEPT_ENCODING, "")
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        // TLS verification (CURLOPT_SSL_VERIFYPEER/VERIFYHOST) keeps libcurl's secure defaults, and proxies
        // come from http_proxy/https_proxy/no_proxy, which libcurl reads only while CURLOPT_PROXY is unset.

        switch request.method {
        case .get where request.body == nil:
            try set(CURLOPT_HTTPGET, 1)
        case .head where request.body == nil:
            try set(CURLOPT_NOBODY, 1)
        default:
            if let body = request.body {
                try setBody(body)
            }
            if request.method != .post {
                try set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
            }
        }
        if request.followsRedirects {
            try set(CURLOPT_FOLLOWLOCATION, 1)
            try set(CURLOPT_MAXREDIRS, PreparedRequest.maxRedirects)
        }
        try setHeaders(request.headerLines)

        try set(CURLOPT_WRITEFUNCTION, callback: TransferContext.receiveBody)
        try set(CURLOPT_WRITEDATA, pointer: context.opaque)
        try set(CURLOPT_HEADERFUNCTION, callback: TransferContext.receiveHeaderLine)
        try set(CURLOPT_HEADERDATA, pointer: context.opaque)
        try setProgressCallback(TransferContext.reportProgress)
        try set(CURLOPT_XFERINFODATA, pointer: context.opaque)
        try set(CURLOPT_NOPROGRESS, 0)
    }
}
