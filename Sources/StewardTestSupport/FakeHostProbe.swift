import Foundation
import StewardCore

/// A `HostProbe` answering scripted host keys per address; an address without keys is unreachable.
public actor FakeHostProbe: HostProbe {
    public private(set) var keys: [String: [String]] = [:]
    public private(set) var scans: [String] = []

    public init() {}

    /// The keys `address` presents from now on (empty: unreachable).
    public func set(_ address: String, _ keys: [String]) { self.keys[address] = keys }

    public func hostKeys(address: String, port: Int, timeout: Int) async throws -> [String] {
        scans.append(address)
        guard let keys = keys[address], !keys.isEmpty else {
            throw HostProbeError("\(address):\(port) presented no host key within \(timeout) s (connection refused)")
        }
        return keys
    }
}
