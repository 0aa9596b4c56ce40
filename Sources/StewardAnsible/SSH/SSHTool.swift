import Foundation
import StewardCore

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
        let launch = ProcessLaunch(
            executable: executable, arguments: [executable] + arguments,
            environment: ProcessInfo.processInfo.environment, workingDirectory: FileManager.default.currentDirectoryPath
        )
        let output: ChildOutput
        do {
            output = try await ProcessGroupChild.run(launch, timeout: .seconds(60), dieWithParent: true)
        } catch {
            throw HostProbeError("cannot run \(executable): \(error)")
        }
        return Output(status: output.status ?? -1, stdout: output.stdoutText, stderr: output.stderrText)
    }
}
