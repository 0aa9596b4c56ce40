import Foundation
import StewardBuildInfo
import StewardHTTP

/// One process-wide observer of HTTP events (the GitHub clients are built per revision's settings, deep in the
/// wiring; `steward run` counts their requests for /metrics).
final class HTTPEventObserver: @unchecked Sendable {
    private let lock = NSLock()
    private var observer: (@Sendable (HTTPEvent) -> Void)?

    func observe(_ observer: @escaping @Sendable (HTTPEvent) -> Void) {
        lock.withLock { self.observer = observer }
    }

    func notify(_ event: HTTPEvent) {
        lock.withLock { observer }?(event)
    }
}

/// Steward's version, as `/metrics` reports it (`steward_build_info`) and the API serves it.
enum StewardVersion {
    static let current = BuildInfo.current.version
}
