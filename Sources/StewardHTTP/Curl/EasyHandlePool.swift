import Foundation

/// Idle easy handles, each remembered with the `scheme://host:port` of its last transfer, so the next
/// request to that host gets the handle whose connection cache holds an open connection to it.
///
/// `@unchecked Sendable`: `idle` is only touched under `lock`, and a checked-out handle belongs to one
/// transfer (one thread) until it is checked back in. `NSLock` rather than `Mutex` because the package
/// still declares macOS 14.
final class EasyHandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [(key: String, handle: CurlEasyHandle)] = []
    private let capacity: Int

    /// A pool keeping at most `capacity` idle handles; concurrent transfers beyond that get fresh handles
    /// that are freed (closing their connections) when they come back to a full pool.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Performs `request` on a pooled handle, on the calling thread.
    func perform(_ request: PreparedRequest, cancellation: CancellationFlag) -> Result<RawResponse, CurlFailure> {
        let handle: CurlEasyHandle
        do {
            handle = try checkOut(for: request.poolKey)
        } catch {
            return .failure(error)
        }
        defer { checkIn(handle, for: request.poolKey) }
        return Result { () throws(CurlFailure) in try handle.perform(request, cancellation: cancellation) }
    }

    /// The number of idle handles.
    var idleCount: Int {
        lock.withLock { idle.count }
    }

    private func checkOut(for key: String) throws(CurlFailure) -> CurlEasyHandle {
        let pooled: CurlEasyHandle? = lock.withLock {
            guard let index = idle.lastIndex(where: { $0.key == key }) else { return nil }
            return idle.remove(at: index).handle
        }
        if let pooled { return pooled }
        return try CurlEasyHandle()
    }

    private func checkIn(_ handle: CurlEasyHandle, for key: String) {
        let evicted: CurlEasyHandle? = lock.withLock {
            idle.append((key: key, handle: handle))
            return idle.count > capacity ? idle.removeFirst().handle : nil
        }
        // Freed outside the lock: curl_easy_cleanup closes the handle's connections.
        withExtendedLifetime(evicted) {}
    }
}
