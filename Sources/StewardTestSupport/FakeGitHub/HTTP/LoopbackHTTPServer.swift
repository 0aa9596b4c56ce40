import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1: one thread accepts, one thread per connection reads requests
/// (keep-alive, `Content-Length` or chunked bodies, `Expect: 100-continue`) and writes the handler's replies.
///
/// `@unchecked Sendable`: the mutable parts (the connection table and the stop flag) are touched only
/// under `condition`; the handler is `@Sendable` and owns its own locking.
final class LoopbackHTTPServer: @unchecked Sendable {
    typealias Handler = @Sendable (FakeHTTPRequest) -> FakeHTTPReply

    /// The port the kernel chose.
    let port: UInt16

    private let listenFD: Int32
    private let handler: Handler
    private let condition = NSCondition()
    private var connections: [Int: Int32] = [:]
    private var nextConnectionID = 0
    private var started = false
    private var stopping = false
    private var acceptLoopFinished = false

    private static let maxHeaderBytes = 64 * 1024
    private static let maxBodyBytes = 16 * 1024 * 1024

    /// Binds 127.0.0.1 on a free port and listens; call `start()` to accept.
    /// - Throws: `FakeGitHubServerError` naming the failing socket call and the system's reason.
    init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FakeGitHubServerError.socket("socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else {
            let error = FakeGitHubServerError.socket("bind 127.0.0.1:0")
            close(fd)
            throw error
        }
        guard listen(fd, 512) == 0 else {
            let error = FakeGitHubServerError.socket("listen")
            close(fd)
            throw error
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            let error = FakeGitHubServerError.socket("getsockname")
            close(fd)
            throw error
        }
        listenFD = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Starts the accept thread.
    func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !started, !stopping else { return }
        started = true
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// Closes the listener and every connection, interrupts pending delays, and waits (up to 5 s)
    /// until every thread has let go of its socket. Idempotent.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        if !stopping {
            stopping = true
            if started {
                // Wakes the thread blocked in accept(); it closes the descriptor itself.
                shutdown(listenFD, Int32(SHUT_RDWR))
            } else {
                close(listenFD)
                acceptLoopFinished = true
            }
            // shutdown, not close: the descriptor stays valid (and unreused) until its own thread closes it.
            for fd in connections.values { shutdown(fd, Int32(SHUT_RDWR)) }
            condition.broadcast()
        }
        let deadline = Date().addingTimeInterval(5)
        while !(acceptLoopFinished && connections.isEmpty) {
            if !condition.wait(until: deadline) { break }
        }
    }

    /// Sleeps for `seconds`, or less when the server stops meanwhile.
    func pause(_ seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !stopping, Date() < deadline {
            _ = condition.wait(until: deadline)
        }
    }

    /// How many connections are open right now.
    var openConnectionCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return connections.count
    }

    // MARK: - Accepting

    private func acceptLoop() {
        while true {
            let client = accept(listenFD, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if (errno == EMFILE || errno == ENFILE), !isStopping {
                    // Out of descriptors: wait for connections to close rather than stop listening.
                    pause(0.01)
                    continue
                }
                break
            }
            condition.lock()
            if stopping {
                condition.unlock()
                close(client)
                break
            }
            nextConnectionID += 1
            let id = nextConnectionID
            connections[id] = client
            condition.unlock()

            var yes: Int32 = 1
            setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in
                serve(fd: client, connectionID: id)
                condition.lock()
                connections[id] = nil
                condition.broadcast()
                condition.unlock()
                close(client)
            }
        }
        condition.lock()
        close(listenFD)
        acceptLoopFinished = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: - One connection

    private func serve(fd: Int32, connectionID: Int) {
        var reader = SocketReader(fd: fd)
        while true {
            let request: FakeHTTPRequest
            switch readRequest(from: &reader, fd: fd, connectionID: connectionID) {
            case let .request(parsed): request = parsed
            case .closed: return
            case let .malformed(status):
                var reply = FakeHTTPReply(status: status, body: Array("{\"message\":\"Bad request\"}".utf8))
                reply.headers = [("content-type", "application/json; charset=utf-8")]
                _ = sendAll(fd: fd, bytes: reply.wireBytes(keepAlive: false, omitBody: false))
                return
            }

            let reply = handler(request)
            if reply.delay > 0 { pause(reply.delay) }
            if isStopping { return }
            switch reply.delivery {
            case .closeWithoutAnswer:
                return
            case .truncated:
                _ = sendAll(fd: fd, bytes: reply.wireBytes(keepAlive: true, omitBody: request.method == "HEAD"))
                return
            case .complete:
                let keepAlive = request.wantsKeepAlive
                let bytes = reply.wireBytes(keepAlive: keepAlive, omitBody: request.method == "HEAD")
                guard sendAll(fd: fd, bytes: bytes), keepAlive else { return }
            }
        }
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    private enum ReadOutcome {
        case request(FakeHTTPRequest)
        case closed
        case malformed(status: Int)
    }

    private func readRequest(from reader: inout SocketReader, fd: Int32, connectionID: Int) -> ReadOutcome {
        guard let headerEnd = reader.readUntilHeaderEnd(limit: Self.maxHeaderBytes) else {
            return reader.buffer.count >= Self.maxHeaderBytes ? .malformed(status: 431) : .closed
        }
        let head = String(decoding: reader.buffer[0..<(headerEnd - 4)], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else { return .malformed(status: 400) }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { return .malformed(status: 400) }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        if requestLine[2] == "HTTP/1.0", headers["connection"]?.lowercased().contains("keep-alive") != true {
            headers["connection"] = "close"
        }
        reader.consume(headerEnd)

        var body: [UInt8] = []
        let expectsContinue = headers["expect"]?.lowercased() == "100-continue"
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            if expectsContinue { _ = sendAll(fd: fd, bytes: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) }
            guard let decoded = reader.readChunkedBody(limit: Self.maxBodyBytes) else { return .malformed(status: 400) }
            body = decoded
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { return .malformed(status: 400) }
            guard length <= Self.maxBodyBytes else { return .malformed(status: 413) }
            if expectsContinue, reader.buffer.count < length {
                _ = sendAll(fd: fd, bytes: Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
            }
            guard reader.fill(atLeast: length) else { return .closed }
            body = Array(reader.buffer[0..<length])
            reader.consume(length)
        }

        let target = String(requestLine[1])
        let (path, query) = FakeHTTPRequest.split(target: target)
        return .request(FakeHTTPRequest(
            method: String(requestLine[0]).uppercased(), target: target, path: path, queryItems: query,
            headers: headers, body: body, connectionID: connectionID
        ))
    }

    private func sendAll(fd: Int32, bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += sent
        }
        return true
    }
}

/// Buffered reads from one socket.
private struct SocketReader {
    let fd: Int32
    var buffer: [UInt8] = []
    /// How far `readUntilHeaderEnd` has already scanned, so a slow client does not cost a rescan.
    private var scanned = 0

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(16 * 1024)
    }

    /// Reads more bytes; false at end of stream or on error.
    mutating func readMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[0..<count])
                return true
            }
            if count < 0, errno == EINTR { continue }
            return false
        }
    }

    /// Until the buffer holds at least `count` bytes; false if the peer went away first.
    mutating func fill(atLeast count: Int) -> Bool {
        while buffer.count < count {
            if !readMore() { return false }
        }
        return true
    }

    mutating func consume(_ count: Int) {
        buffer.removeFirst(count)
        scanned = 0
    }

    /// The offset just past the blank line ending the header block, reading as needed.
    mutating func readUntilHeaderEnd(limit: Int) -> Int? {
        while true {
            if buffer.count >= 4 {
                var index = max(scanned, 3)
                while index < buffer.count {
                    if buffer[index] == 0x0A, buffer[index - 1] == 0x0D, buffer[index - 2] == 0x0A, buffer[index - 3] == 0x0D {
                        return index + 1
                    }
                    index += 1
                }
                scanned = index
            }
            if buffer.count >= limit || !readMore() { return nil }
        }
    }

    /// The offset of the next CRLF at or after `start`, reading as needed.
    private mutating func lineEnd(from start: Int) -> Int? {
        var index = start
        while true {
            while index + 1 < buffer.count {
                if buffer[index] == 0x0D, buffer[index + 1] == 0x0A { return index }
                index += 1
            }
            if !readMore() { return nil }
        }
    }

    /// Decodes a chunked body (RFC 9112 §7.1), dropping extensions and trailers.
    mutating func readChunkedBody(limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        while true {
            guard let end = lineEnd(from: 0) else { return nil }
            let line = String(decoding: buffer[0..<end], as: UTF8.self)
            let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { return nil }
            consume(end + 2)
            if size == 0 {
                // Trailer lines until an empty one.
                while true {
                    guard let trailerEnd = lineEnd(from: 0) else { return nil }
                    consume(trailerEnd + 2)
                    if trailerEnd == 0 { return body }
                }
            }
            guard body.count + size <= limit, fill(atLeast: size + 2) else { return nil }
            body.append(contentsOf: buffer[0..<size])
            consume(size + 2)
        }
    }
}
