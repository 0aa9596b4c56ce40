import CCurl
import Foundation

/// What libcurl's callbacks collect during one transfer: the body, the final response's header fields,
/// and the cancellation flag the progress callback polls. Passed to libcurl as an unretained pointer;
/// the transfer keeps it alive for the duration of `curl_easy_perform`.
final class TransferContext {
    /// The response body received so far (already decoded when the server compressed it).
    var body = Data()
    /// The header fields of the latest response, names lowercased. A new status line (after a redirect,
    /// a `100 Continue`, or a proxy's CONNECT reply) starts a new list.
    var headers = HTTPHeaders()
    let cancellation: CancellationFlag

    init(cancellation: CancellationFlag) {
        self.cancellation = cancellation
    }

    /// The pointer libcurl hands back to the callbacks.
    var opaque: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    static func from(_ opaque: UnsafeMutableRawPointer) -> TransferContext {
        Unmanaged<TransferContext>.fromOpaque(opaque).takeUnretainedValue()
    }

    /// `CURLOPT_WRITEFUNCTION`: appends body bytes.
    static let receiveBody: steward_curl_data_callback = { buffer, size, count, opaque in
        let length = size * count
        guard let buffer, let opaque, length > 0 else { return length }
        let bytes = UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self)
        TransferContext.from(opaque).body.append(bytes, count: length)
        return length
    }

    /// `CURLOPT_HEADERFUNCTION`: libcurl passes one complete header line per call, CRLF included.
    static let receiveHeaderLine: steward_curl_data_callback = { buffer, size, count, opaque in
        let length = size * count
        guard let buffer, let opaque, length > 0 else { return length }
        let bytes = UnsafeRawBufferPointer(start: buffer, count: length)
        TransferContext.from(opaque).parseHeaderLine(String(decoding: bytes, as: UTF8.self))
        return length
    }

    /// `CURLOPT_XFERINFOFUNCTION`: a non-zero return aborts the transfer with `CURLE_ABORTED_BY_CALLBACK`.
    /// libcurl calls it often while data flows and about once a second while idle.
    static let reportProgress: steward_curl_xferinfo_callback = { opaque, _, _, _, _ in
        guard let opaque else { return 0 }
        return TransferContext.from(opaque).cancellation.isCancelled ? 1 : 0
    }

    func parseHeaderLine(_ rawLine: String) {
        let line = rawLine.trimmingCharacters(in: CharacterSet(charactersIn: "\r\n"))
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
        } else if line.isEmpty {
            return
        } else if line.first == " " || line.first == "\t" {
            // Obsolete line folding (RFC 9112 §5.2): the line continues the previous field's value.
            headers.continueLastValue(line.trimmingCharacters(in: .whitespaces))
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.add(name: name, value: value)
        }
    }
}
