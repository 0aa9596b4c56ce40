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

/// Small helpers around the OpenSSH client tools.
public enum SSHTool {
    /// Output of one tool run.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Steward's public key: the `.pub` file next to `privateKeyFile`, else derived with `ssh-keygen -y`.
    /// - Throws: `HostProbeError` when neither works (the message names the file, never key material).
    public static func publicKey(privateKeyFile: String) async throws -> String {
        let path = NSString(string: privateKeyFile).expandingTildeInPath
        if let text = try? String(contentsOfFile: path + ".pub", encoding: .utf8),
            !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        {
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let output = try await run("/usr/bin/ssh-keygen", ["-y", "-f", path])
        let key = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.status == 0, !key.isEmpty else {
            throw HostProbeError("cannot read Steward's SSH key \(path) (ssh.privateKeyFile): ssh-keygen -y failed: "
                + output.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return key
    }

    /// Runs a short-lived tool and collects its output (both are small: a few key lines).
    static func run(_ executable: String, _ arguments: [String]) async throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        return try await withCheckedThrowingContinuation { continuation in
            // Reading happens on its own thread so a chatty tool never blocks on a full pipe.
            let thread = Thread {
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: HostProbeError("cannot run \(executable): \(error)"))
                    return
                }
                nonisolated(unsafe) var errData = Data()
                let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
                reader.start()
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                while !reader.isFinished { usleep(1000) }
                continuation.resume(returning: Output(
                    status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                    stderr: String(decoding: errData, as: UTF8.self)))
            }
            thread.start()
        }
    }
}
