import CCurl
import Foundation

/// One libcurl easy handle (`CURL *`): `init` acquires it, `deinit` frees it together with the header
/// list and error buffer it owns, so they live exactly as long as libcurl may read them.
///
/// Not `Sendable`: a handle must be used by one thread at a time. `EasyHandlePool` hands each one to a
/// single transfer and takes it back afterwards; the handle keeps its connection cache across transfers,
/// which is what makes reuse of a handle reuse the connection.
final class CurlEasyHandle {
    private let raw: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// A fresh handle with its error buffer installed.
    init() throws(CurlFailure) {
        try CurlFailure.check(steward_curl_global_init_once(), "curl_global_init")
        guard let raw = curl_easy_init() else {
            throw CurlFailure(code: CURLE_FAILED_INIT, operation: "curl_easy_init", detail: "")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try installErrorBuffer()
    }

    deinit {
        curl_easy_cleanup(raw)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// Clears every option for the next transfer; live connections, the DNS cache and TLS sessions stay.
    func reset() throws(CurlFailure) {
        curl_easy_reset(raw)
        curl_slist_free_all(headerList)
        headerList = nil
        try installErrorBuffer()
    }

    /// Sets an option that takes a `long`.
    func set(_ option: CURLoption, _ value: Int) throws(CurlFailure) {
        try check(steward_curl_easy_setopt_long(raw, option, value), option)
    }

    /// Sets an option that takes a string; libcurl copies it.
    func set(_ option: CURLoption, _ value: String) throws(CurlFailure) {
        let code = value.withCString { steward_curl_easy_setopt_string(raw, option, $0) }
        try check(code, option)
    }

    /// Sets an option that takes a `curl_off_t`.
    func set(_ option: CURLoption, offset value: Int64) throws(CurlFailure) {
        try check(steward_curl_easy_setopt_off_t(raw, option, curl_off_t(value)), option)
    }

    /// Sets an option that takes a data pointer (callback contexts, `CURLOPT_COPYPOSTFIELDS`).
    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(CurlFailure) {
        try check(steward_curl_easy_setopt_pointer(raw, option, value), option)
    }

    /// Sets `CURLOPT_WRITEFUNCTION` or `CURLOPT_HEADERFUNCTION`.
    func set(_ option: CURLoption, callback: steward_curl_data_callback) throws(CurlFailure) {
        try check(steward_curl_easy_setopt_data_callback(raw, option, callback), option)
    }

    /// Sets `CURLOPT_XFERINFOFUNCTION`.
    func setProgressCallback(_ callback: steward_curl_xferinfo_callback) throws(CurlFailure) {
        try check(steward_curl_easy_setopt_xferinfo_callback(raw, callback), CURLOPT_XFERINFOFUNCTION)
    }

    /// Sets the request body (`CURLOPT_POSTFIELDSIZE_LARGE`, then `CURLOPT_COPYPOSTFIELDS`, which copies the
    /// bytes, so `body` need not outlive the call); an empty body sends `Content-Length: 0`.
    func setBody(_ body: Data) throws(CurlFailure) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
        let code =
            if body.isEmpty {
                // libcurl reads no byte of a zero-length body, but needs a non-NULL pointer to send one at all.
                "".withCString { empty in
                    steward_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: empty))
                }
            } else {
                body.withUnsafeBytes { bytes in
                    let start = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
                    return steward_curl_easy_setopt_pointer(raw, CURLOPT_COPYPOSTFIELDS, start)
                }
            }
        try check(code, CURLOPT_COPYPOSTFIELDS)
    }

    /// Sets `CURLOPT_HTTPHEADER` to `lines` (`Name: value`); the list is kept until the next `reset` or `deinit`.
    func setHeaders(_ lines: [String]) throws(CurlFailure) {
        var list: UnsafeMutablePointer<curl_slist>?
        for line in lines {
            guard let longer = line.withCString({ curl_slist_append(list, $0) }) else {
                curl_slist_free_all(list)
                throw CurlFailure(code: CURLE_OUT_OF_MEMORY, operation: "curl_slist_append", detail: "")
            }
            list = longer
        }
        curl_slist_free_all(headerList)
        headerList = list
        try check(steward_curl_easy_setopt_slist(raw, CURLOPT_HTTPHEADER, list), CURLOPT_HTTPHEADER)
    }

    /// Runs the configured transfer to completion on the calling thread.
    func perform() throws(CurlFailure) {
        errorBuffer[0] = 0
        try CurlFailure.check(curl_easy_perform(raw), "curl_easy_perform", errorBuffer: errorBuffer)
    }

    /// Reads a `long` transfer info.
    func info(_ info: CURLINFO) throws(CurlFailure) -> Int {
        var value = 0
        try CurlFailure.check(steward_curl_easy_getinfo_long(raw, info, &value), "curl_easy_getinfo(\(info.rawValue))")
        return value
    }

    /// Reads a string transfer info; `nil` when libcurl has none.
    func info(string info: CURLINFO) throws(CurlFailure) -> String? {
        var value: UnsafeMutablePointer<CChar>?
        let code = steward_curl_easy_getinfo_string(raw, info, &value)
        try CurlFailure.check(code, "curl_easy_getinfo(\(info.rawValue))")
        return value.map { String(cString: $0) }
    }

    private func installErrorBuffer() throws(CurlFailure) {
        try check(steward_curl_easy_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(CurlFailure) {
        try CurlFailure.check(code, "curl_easy_setopt(\(option.rawValue))", errorBuffer: errorBuffer)
    }
}

@available(*, unavailable)
extension CurlEasyHandle: Sendable {}
