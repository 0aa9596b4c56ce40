import CCurl

/// A libcurl call that did not return `CURLE_OK`, with libcurl's own message.
struct CurlFailure: Error, Sendable {
    /// The result code.
    let code: CURLcode
    /// The call that failed, e.g. `curl_easy_perform`.
    let operation: String
    /// `curl_easy_strerror(code)`.
    let message: String
    /// The `CURLOPT_ERRORBUFFER` text, often more specific than `message`; empty when libcurl wrote none.
    let detail: String

    /// The one check for every `CURLcode`: returns when it is `CURLE_OK`, throws otherwise.
    /// - Parameters:
    ///   - code: what the libcurl call returned.
    ///   - operation: names the call for the error.
    ///   - errorBuffer: the handle's `CURLOPT_ERRORBUFFER`, when the call was on a handle.
    static func check(
        _ code: CURLcode, _ operation: @autoclosure () -> String, errorBuffer: UnsafePointer<CChar>? = nil
    ) throws(CurlFailure) {
        guard code != CURLE_OK else { return }
        throw CurlFailure(code: code, operation: operation(), detail: errorBuffer.map { String(cString: $0) } ?? "")
    }

    init(code: CURLcode, operation: String, detail: String) {
        self.code = code
        self.operation = operation
        message = String(cString: curl_easy_strerror(code))
        self.detail = detail.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `message`, then `detail` when it adds something.
    var text: String {
        detail.isEmpty || detail == message ? message : "\(message): \(detail)"
    }

    /// How the client reports this failure.
    var kind: HTTPError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            .timeout
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            .connection
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
            CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED,
            CURLE_USE_SSL_FAILED:
            .tls
        case CURLE_TOO_MANY_REDIRECTS:
            .tooManyRedirects
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            .invalidURL
        case CURLE_ABORTED_BY_CALLBACK:
            .cancelled
        default:
            .other
        }
    }

    /// Whether the failure happened before any byte of the request left this machine, so even a POST
    /// can be retried.
    var nothingWasSent: Bool {
        code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_COULDNT_CONNECT
    }
}
