import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The fake GitHub server could not start: a socket call failed.
public struct FakeGitHubServerError: Error, CustomStringConvertible {
    public let description: String

    /// The failed call and the system's reason (`strerror(errno)`), read right after the call.
    static func socket(_ call: String) -> FakeGitHubServerError {
        let reason = String(cString: strerror(errno))
        return FakeGitHubServerError(
            description: "fake GitHub server: \(call) failed: \(reason) (is the loopback interface up?)"
        )
    }
}
