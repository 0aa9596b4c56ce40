import Foundation
import StewardCore

/// `HostProbe` over `ssh-keyscan` (argv only, no shell): the keys a server presents, without logging in.
public struct SSHKeyscanProbe: HostProbe {
    /// The `ssh-keyscan` executable.
    public var executable: String

    public init(executable: String = "/usr/bin/ssh-keyscan") {
        self.executable = executable
    }

    /// Runs `ssh-keyscan -T TIMEOUT -p PORT -t ed25519,ecdsa,rsa ADDRESS`.
    /// - Throws: `HostProbeError` when the scan cannot run or the server presents no key.
    public func hostKeys(address: String, port: Int, timeout: Int) async throws -> [String] {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw HostProbeError("\(executable) not found (apt-get install openssh-client)")
        }
        // An address starting with '-' would be read as an option.
        guard !address.hasPrefix("-") else { throw HostProbeError("invalid address \(address)") }
        let output = try await SSHTool.run(executable, [
            "-T", String(max(1, timeout)), "-p", String(port), "-t", "ed25519,ecdsa,rsa", address,
        ])
        let keys = output.stdout.split(separator: "\n").compactMap { line -> String? in
            // `HOST TYPE BASE64`; `#` lines are banners.
            let fields = line.split(separator: " ")
            guard !line.hasPrefix("#"), fields.count >= 3 else { return nil }
            return "\(fields[1]) \(fields[2])"
        }
        guard !keys.isEmpty else {
            let reason = output.stderr.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "; ")
            throw HostProbeError("\(address):\(port) presented no host key within \(timeout) s"
                + (reason.isEmpty ? " (connection refused or timed out)" : ": \(reason)"))
        }
        return keys
    }
}
