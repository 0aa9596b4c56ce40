import Foundation

/// Asks a server for its SSH host keys without logging in (implemented with `ssh-keyscan`; faked in unit tests).
public protocol HostProbe: Sendable {
    /// The host keys the server presents, each `TYPE BASE64`.
    /// - Throws: `HostProbeError` when the server does not answer (refused, timed out, no route) or presents none.
    func hostKeys(address: String, port: Int, timeout: Int) async throws -> [String]
}

/// A server did not present its host keys: the check counts as unreachable.
public struct HostProbeError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
